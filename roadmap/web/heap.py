"""A served worker's heap: what lives as long as the process is put out of the cyclic collector's reach.

Python's cyclic garbage collector, in its oldest generation, walks every container object of the process: the
imported code, the app, the parsed frameworks, compiled templates — a few hundred thousand objects that live
until the worker stops. With them in the heap, each of those collections took 100–125 ms (measured on the
progress board at 1,000 offices, where one in six requests met one: its p95 was the collection). Frozen
(`gc.freeze`), they are never walked again; a collection then takes 1–2 ms. Reference counting still frees
what the requests make; only a reference cycle among frozen objects would never be collected, so the heap is
collected before each freeze and frozen only at a few moments of the worker's life: once the app is loaded,
then after its 1st, 10th, 100th and 1,000th request, by which the caches filled on first use (frameworks,
templates, fragments) have settled. What another thread's request holds at that moment is frozen with it: at
most a few requests' objects, five times in a worker's life, which gunicorn ends after `max_requests`.

The youngest generation is also collected less often than Python's default (every 700 new container
objects): a page over thousands of offices makes hundreds of thousands of objects that live as long as the
request, and each collection before they are freed walks them again — 140 ms of a 5,000-office portfolio
page (1 s) with the default, 40 ms with these thresholds (measured); small requests did not change.
gunicorn.conf.py calls these; the rendering child of roadmap.services.reporting.pdf does the same for what
it inherits.
"""

from __future__ import annotations

import gc

# After which of a worker's requests its heap is frozen again (the first ones fill the lasting caches).
SETTLING_REQUESTS = frozenset({1, 10, 100, 1000})
# The collector's thresholds in a served worker: (new objects, then collections of the generation below).
WORKER_THRESHOLDS = (50_000, 20, 10)


def worker_ready() -> None:
    """Once the worker has loaded the app: its thresholds, and what it has loaded frozen."""
    gc.set_threshold(*WORKER_THRESHOLDS)
    settle()


def settle() -> None:
    """Collect what is garbage now, then freeze everything that is left."""
    gc.collect()
    gc.freeze()


_settled_through = [0]


def after_request(served: int) -> None:
    """Called after each request with the number the worker has taken so far. Its threads count on while
    one finishes, so a moment is due once the count has reached it, not only when it equals it."""
    due = max((moment for moment in SETTLING_REQUESTS if moment <= served), default=0)
    if due > _settled_through[0]:
        _settled_through[0] = due
        settle()
