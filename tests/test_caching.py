"""The one way the service caches in memory (roadmap.services.platform.caching): bounded, least recently used
first out, safe across threads, entries that can go stale expire, and what belongs to one app's database
stays with that app. The section page's own use of its fragment caches is tested in test_survey_queries."""

from __future__ import annotations

import threading
import time

from app import create_app
from roadmap.services.platform.caching import Cache, app_cache, memoised
from roadmap.services.survey import assessments, frameworks
from tests.test_survey import small_assessment


def test_a_cache_keeps_at_most_its_size_dropping_the_least_recently_used():
    cache: Cache[str] = Cache(maxsize=3)
    for key in "abc":
        cache.put(key, key.upper())
    assert cache.get("a") == "A"  # a is now the most recently used
    cache.put("d", "D")
    assert len(cache) == 3
    assert cache.get("b") is None  # the least recently used went
    assert [cache.get(key) for key in "acd"] == ["A", "C", "D"]
    assert (cache.hits, cache.misses) == (4, 1)


def test_an_entry_that_can_go_stale_expires():
    cache: Cache[str] = Cache(maxsize=8, ttl_seconds=0.2)
    cache.put("page", "rendered")
    assert cache.get("page") == "rendered"
    time.sleep(0.3)
    assert cache.get("page") is None
    assert len(cache) == 0


def test_get_or_make_makes_on_a_miss_only():
    cache: Cache[int] = Cache(maxsize=8)
    made = []
    for _ in range(3):
        assert cache.get_or_make("answer", lambda: made.append(1) or 42) == 42
    assert made == [1]


def test_many_threads_never_grow_a_cache_beyond_its_size():
    cache: Cache[int] = Cache(maxsize=50)
    errors: list[BaseException] = []

    def work(offset: int) -> None:
        try:
            for number in range(2000):
                key = (offset * 7 + number) % 300
                found = cache.get(key)
                assert found is None or found == key
                cache.put(key, key)
                assert len(cache) <= 50
        except BaseException as error:  # reported by the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(offset,)) for offset in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(cache) == 50


def test_a_memoised_function_is_bounded_and_computes_each_key_once_among_waiting_threads():
    calls: list[str] = []
    started = threading.Event()

    @memoised(maxsize=2, one_at_a_time=True)
    def parse(name: str) -> str:
        calls.append(name)
        started.set()
        time.sleep(0.2)  # long enough for the other threads to ask meanwhile
        return name.upper()

    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(parse("framework"))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["FRAMEWORK"] * 6
    assert calls == ["framework"]
    parse("b")
    parse("c")  # the cache holds two: "framework" went
    parse("framework")
    assert calls == ["framework", "b", "c", "framework"]
    assert parse.cache_info().currsize == 2


def test_a_framework_version_is_remembered_by_each_app_for_its_own_database(app, world):
    assessment = small_assessment(world)
    first = assessments.framework_of(assessment)
    assert assessments.framework_of(assessment) is first
    known = app_cache("survey.frameworks_by_version", maxsize=64)
    assert known.get(assessment.framework_version_id) is first
    # Another app (another database, where the same id may name another version) starts empty.
    other = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    with other.app_context():
        assert (
            app_cache("survey.frameworks_by_version", maxsize=64).get(assessment.framework_version_id) is None
        )
    # The parsed framework itself is shared by content (its fingerprint), whatever the app.
    assert frameworks.framework_of(assessment.framework_version) is first
