"""Each middleware's own CPU time in a request, apart from what it wraps (bench/inprocess.py).

`timed(MIDDLEWARE)` returns the list to put in its place: `bench.middleware_timing.Timed<i>`
wraps MIDDLEWARE[i]. A middleware's hooks (`process_view`: CSRF's check) count as its own.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

HOOKS = ("process_view", "process_template_response", "process_exception")
VIEW = "view"

# Per request: the inclusive CPU seconds of each middleware (by index) and of the view, and the
# seconds of each one's hooks.
_inclusive: dict[Any, float] = {}
_hooks: dict[int, float] = {}
_paths: list[str] = []


def _timed_call(key: Any, call: Callable, *args: Any) -> Any:
    started = time.thread_time()
    try:
        return call(*args)
    finally:
        _inclusive[key] = _inclusive.get(key, 0.0) + time.thread_time() - started


class _Timed:
    """One middleware of MIDDLEWARE, timed. `index` is its place in the list."""

    index: int

    def __init__(self, get_response: Callable) -> None:
        from django.utils.module_loading import import_string

        if self.index == len(_paths) - 1:  # the innermost: time the view too
            inner = get_response

            def get_response(request):
                return _timed_call(VIEW, inner, request)

        self.real = import_string(_paths[self.index])(get_response)

    def __call__(self, request):
        return _timed_call(self.index, self.real, request)

    def __getattr__(self, name: str) -> Any:
        if name not in HOOKS:
            raise AttributeError(name)
        hook = getattr(self.real, name)  # AttributeError when the middleware has none
        index = self.index

        def timed(*args: Any) -> Any:
            started = time.thread_time()
            try:
                return hook(*args)
            finally:
                _hooks[index] = _hooks.get(index, 0.0) + time.thread_time() - started

        return timed


def __getattr__(name: str) -> type:
    """`bench.middleware_timing.Timed3`: the timed class of MIDDLEWARE[3], for Django's
    import_string."""
    if name.startswith("Timed") and name[5:].isdigit():
        return type(name, (_Timed,), {"index": int(name[5:])})
    raise AttributeError(name)


def timed(paths: list[str]) -> list[str]:
    """The MIDDLEWARE setting that times each of `paths`."""
    _paths[:] = paths
    return [f"bench.middleware_timing.Timed{i}" for i in range(len(paths))]


def start_request() -> None:
    _inclusive.clear()
    _hooks.clear()


def own_shares() -> dict[str, float]:
    """The last request's own seconds per middleware and for the view."""
    shares = {}
    for index, path in enumerate(_paths):
        inner = _inclusive.get(index + 1 if index + 1 < len(_paths) else VIEW, 0.0)
        shares[path] = _inclusive.get(index, 0.0) - inner + _hooks.get(index, 0.0)
    shares[VIEW] = _inclusive.get(VIEW, 0.0) - sum(_hooks.values())
    shares["handler"] = _inclusive.get(0, 0.0)
    return shares
