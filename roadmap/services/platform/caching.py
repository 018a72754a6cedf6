"""In-process caches, made one way: bounded (least recently used goes first), safe across threads, and with a
time to live where an entry can go stale because its key leaves something out. Built on cachetools.

Two shapes of the same thing:

- `memoised(maxsize=…)` decorates a function whose result depends on its arguments only (a formatting, a
  prepared statement, a parsed framework). With `one_at_a_time=True` the threads that ask for the same key
  while it is being computed wait for that computation instead of repeating it.
- `Cache(maxsize)` is a store to `get` from and `put` into, for values made somewhere else (markup that a
  template renders, a score computed with what the caller holds), or computed on a miss with `get_or_make`.
  It counts its hits and misses.

Per process, so every worker has its own: only for what is cheap to make again. A cache whose entries are
only true of one app's database (ids) belongs to that app: `app_cache`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from cachetools import LRUCache, TTLCache, cached
from cachetools.keys import hashkey
from flask import current_app

_V = TypeVar("_V")
_F = TypeVar("_F", bound=Callable[..., Any])


def _store(maxsize: int, ttl_seconds: float | None) -> LRUCache[Hashable, Any]:
    if ttl_seconds is None:
        return LRUCache(maxsize)
    # Expired entries are dropped as new ones come in; an entry's time runs from when it was stored.
    return TTLCache(maxsize, ttl_seconds, timer=time.monotonic)


def memoised(
    *,
    maxsize: int,
    ttl_seconds: float | None = None,
    key: Callable[..., Hashable] = hashkey,
    one_at_a_time: bool = False,
) -> Callable[[_F], _F]:
    """Remember the function's results by `key(*args, **kwargs)` (the arguments themselves by default)."""

    def decorate(function: _F) -> _F:
        lock = threading.RLock()
        condition = threading.Condition(lock) if one_at_a_time else None
        remembered: _F = cached(
            _store(maxsize, ttl_seconds), key=key, lock=lock, condition=condition, info=True
        )(function)
        return remembered

    return decorate


class Cache(Generic[_V]):
    """A bounded store of values made elsewhere, by key; `get` answers None for what it does not hold."""

    def __init__(self, maxsize: int, *, ttl_seconds: float | None = None) -> None:
        self.maxsize = maxsize
        self.ttl_seconds = ttl_seconds
        self._entries = _store(maxsize, ttl_seconds)
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> _V | None:
        with self._lock:
            found: _V | None = self._entries.get(key)
            if found is None:
                self.misses += 1
            else:
                self.hits += 1
            return found

    def put(self, key: Hashable, value: _V) -> _V:
        with self._lock:
            self._entries[key] = value
        return value

    def get_or_make(self, key: Hashable, make: Callable[[], _V]) -> _V:
        """The value under `key`, or made now (outside the lock: others are not held up) and kept."""
        found = self.get(key)
        if found is not None:
            return found
        return self.put(key, make())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0


def app_cache(name: str, maxsize: int, *, ttl_seconds: float | None = None) -> Cache[Any]:
    """The current app's cache called `name`, made on first use: for entries that are only true of the app's
    own database (a row's id means another thing in another app's)."""
    caches: dict[str, Cache[Any]] = current_app.extensions.setdefault("roadmap.caches", {})
    cache = caches.get(name)
    if cache is None:
        # Two threads may both get here; dict.setdefault keeps one cache for both.
        cache = caches.setdefault(name, Cache(maxsize, ttl_seconds=ttl_seconds))
    return cache
