"""Rendered fragments kept in memory, keyed by everything that goes into them.

A section page shows a few dozen questions, each a fieldset of many inputs; rendering them is most of the
page's cost, yet between two visits usually one answer or none has changed. A question's markup is a pure
function of its inputs (framework version, language, the stored answer, its evidence and comments, whether
the user may edit…), so the page keeps each question's markup under a key made of those inputs: a changed
input makes a new key, never a stale fragment. Bounded, per process, safe across threads
(roadmap.services.platform.caching).
"""

from __future__ import annotations

from markupsafe import Markup

from roadmap.services.platform.caching import Cache

# About 5 KB per question: a few thousand fragments cost tens of megabytes per worker at most.
questions: Cache[Markup] = Cache(maxsize=4096)
# The live result panel, by the inputs of the score it shows.
results: Cache[Markup] = Cache(maxsize=512)
# Whole section pages, as their UTF-8 pieces around the CSRF token they were rendered with, by the
# assessment's revision and everything else the page shows (see roadmap.web.survey.section). A colleague's
# new display name is outside the key: a minute at most.
pages: Cache[tuple[bytes, ...]] = Cache(maxsize=1024, ttl_seconds=60)
