"""Static files storage: whitenoise's hashed, compressed files, compressed with gzip only.

With the brotli package present (a test tool brings it in), whitenoise also brotli-compresses every
file at the highest quality, which takes a minute for the API docs' JavaScript bundles on each
`collectstatic`; gzip takes three seconds and every browser accepts it.
"""

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedManifestStaticFilesStorage


class GzipManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    def create_compressor(self, **kwargs) -> Compressor:
        return Compressor(use_brotli=False, **kwargs)
