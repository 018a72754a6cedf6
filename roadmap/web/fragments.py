"""Rendered fragments kept in memory, keyed by everything that goes into them.

A section page shows a few dozen questions, each a fieldset of many inputs; rendering them is most of the
page's cost, yet between two visits usually one answer or none has changed. A question's markup is a pure
function of its inputs (framework version, language, the stored answer, its evidence and comments, whether
the user may edit…), so the page keeps each question's markup under a key made of those inputs: a changed
input makes a new key, never a stale fragment. Bounded, per process, safe across threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from markupsafe import Markup

# About 5 KB per question: a few thousand fragments cost tens of megabytes per worker at most.
CAPACITY = 4096


class FragmentCache:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._items: OrderedDict[Hashable, Markup] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable) -> Markup | None:
        with self._lock:
            found = self._items.get(key)
            if found is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: Hashable, fragment: Markup) -> Markup:
        with self._lock:
            self._items[key] = fragment
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
