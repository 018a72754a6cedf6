"""Rendered fragments kept in memory, keyed by everything that goes into them.

A section page shows a few dozen questions, each a fieldset of many inputs; rendering them is most of the
page's cost, yet between two visits usually one answer or none has changed. A question's markup is a pure
function of its inputs (framework version, language, the stored answer, its evidence and comments, whether
the user may edit…), so the page keeps each question's markup under a key made of those inputs: a changed
input makes a new key, never a stale fragment. Bounded, per process, safe across threads.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

# About 5 KB per question: a few thousand fragments cost tens of megabytes per worker at most.
CAPACITY = 4096


class FragmentCache:
    def __init__(self, capacity: int = CAPACITY, ttl_seconds: float | None = None) -> None:
        self.capacity = capacity
        # A bound on how long an entry serves, for caches whose key leaves out something rarely changing.
        self.ttl_seconds = ttl_seconds
        self._items: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Any:
        with self._lock:
            found = self._items.get(key)
            if found is None or (
                self.ttl_seconds is not None and time.monotonic() - found[0] > self.ttl_seconds
            ):
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found[1]

    def put(self, key: Hashable, fragment: Any) -> Any:
        with self._lock:
            self._items[key] = (time.monotonic(), fragment)
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)
        return fragment

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.hits = self.misses = 0


questions = FragmentCache()
# The live result panel, by the inputs of the score it shows.
results = FragmentCache(capacity=512)
# Whole section pages, by the assessment's revision and everything else the page shows (see
# roadmap.web.survey.section). A colleague's new display name is outside the key: a minute at most.
pages = FragmentCache(capacity=1024, ttl_seconds=60)
