"""The portal's settings plus one page that exists only in the benchmark (bench/urls.py)."""

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
