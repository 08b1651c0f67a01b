"""The portal's settings plus one page that exists only in the benchmark (bench/urls.py)."""

import os

from portal.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# Each portal bench/stack.py starts keeps its keys under a prefix of its own (a cold cache
# without emptying a shared Redis database).
CACHES["default"]["KEY_PREFIX"] = os.environ.get("BENCH_CACHE_PREFIX", "")  # noqa: F405
