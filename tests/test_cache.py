"""The retriever's bounded caches: least recently used out, not everything at once."""

from __future__ import annotations

from coach.cache import LRUCache


def test_a_full_cache_evicts_the_oldest_entry_instead_of_clearing() -> None:
    cache: LRUCache[str, int] = LRUCache(3)
    for i, key in enumerate("abc"):
        cache.put(key, i)
    cache.put("d", 3)
    assert "a" not in cache
    assert [cache.get(k) for k in "bcd"] == [1, 2, 3]
    assert len(cache) == 3


def test_reading_an_entry_keeps_it_over_older_ones() -> None:
    cache: LRUCache[str, int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # now the most recent
    cache.put("c", 3)
    assert "b" not in cache and cache.keys() == ["a", "c"]


def test_get_or_compute_computes_only_on_a_miss() -> None:
    cache: LRUCache[str, int] = LRUCache(2)
    calls: list[str] = []

    def compute() -> int:
        calls.append("x")
        return 7

    assert cache.get_or_compute("x", compute) == cache.get_or_compute("x", compute) == 7
    assert calls == ["x"] and (cache.hits, cache.misses) == (1, 1)
