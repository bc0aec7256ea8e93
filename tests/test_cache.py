"""The answer cache on its own (cbss_kg.web.cache): keys, the byte bound, least recently used
first out, and thread safety. The server's use of it is tested over HTTP in test_serve_cache.py."""

from __future__ import annotations

import threading

import pytest
from rdflib import Literal, URIRef

from cbss_kg.web.cache import AnswerCache, CachedAnswer, answer_key

QUERY = "SELECT * WHERE { ?s ?p ?o }"
JSON = "application/sparql-results+json"
XSD = "http://www.w3.org/2001/XMLSchema#"


def answer(size: int, fill: bytes = b"x") -> CachedAnswer:
    return CachedAnswer(fill * size, JSON, False)


def key(name: str) -> tuple[str, ...]:
    return answer_key(name, media_type=JSON)


def test_a_kept_answer_is_found_and_counted():
    cache = AnswerCache(10_000)
    kept = CachedAnswer(b'{"boolean": true}', JSON, True)
    assert cache.get(key(QUERY)) is None
    assert cache.put(key(QUERY), kept)
    assert cache.get(key(QUERY)) == kept
    assert (cache.hits, cache.misses) == (1, 1)
    assert len(cache) == 1


def test_everything_that_decides_an_answer_is_in_its_key():
    base = {
        "media_type": JSON,
        "bindings": {"state": URIRef("https://w3id.org/cbss-kg/id/state/LV")},
        "row_limit": 100,
        "union_default_graph": True,
        "default_graphs": (),
        "named_graphs": (),
    }
    variants = [
        {"media_type": "text/csv"},
        {"bindings": {"state": URIRef("https://w3id.org/cbss-kg/id/state/EE")}},
        {"bindings": {"other": URIRef("https://w3id.org/cbss-kg/id/state/LV")}},
        {"bindings": {"state": Literal("https://w3id.org/cbss-kg/id/state/LV")}},
        {"bindings": {}},
        {"row_limit": 10},
        {"union_default_graph": False},
        {"default_graphs": ("https://w3id.org/cbss-kg/graph/a",)},
        {"named_graphs": ("https://w3id.org/cbss-kg/graph/a",)},
    ]
    keys = {answer_key(QUERY, **base), answer_key(QUERY + " LIMIT 1", **base)}
    keys |= {answer_key(QUERY, **{**base, **variant}) for variant in variants}
    assert len(keys) == 2 + len(variants)


def test_parameters_are_keyed_as_rdf_terms_in_any_order():
    one = {
        "n": Literal("1", datatype=URIRef(XSD + "integer")),
        "d": Literal("2021-01-01", datatype=URIRef(XSD + "date")),
    }
    other = dict(reversed(one.items()))
    assert answer_key(QUERY, media_type=JSON, bindings=one) == answer_key(
        QUERY, media_type=JSON, bindings=other
    )
    assert answer_key(QUERY, media_type=JSON, bindings={"n": Literal("1")}) != answer_key(
        QUERY, media_type=JSON, bindings={"n": one["n"]}
    )


def test_the_byte_bound_forgets_the_least_recently_used():
    cache = AnswerCache(8_000)  # eight entries of 900 bytes and their keys fit, not nine
    for name in "abcdefgh":
        assert cache.put(key(name), answer(900))
    assert len(cache) == 8
    assert cache.get(key("a")) is not None  # "a" is now the most recently used; "b" the least
    assert cache.put(key("i"), answer(900))
    assert cache.put(key("j"), answer(900))
    assert cache.get(key("b")) is None
    assert cache.get(key("c")) is None
    for name in "adefghij":
        assert cache.get(key(name)) is not None, name
    assert cache.size <= cache.max_bytes


def test_an_answer_larger_than_its_share_is_not_kept():
    cache = AnswerCache(8_000)
    assert not cache.put(key("big"), answer(1_100))
    assert cache.get(key("big")) is None
    assert cache.size == 0


def test_replacing_an_entry_does_not_count_it_twice():
    cache = AnswerCache(8_000)
    cache.put(key("a"), answer(500))
    cache.put(key("a"), answer(600, b"y"))
    assert len(cache) == 1
    assert cache.get(key("a")).body == b"y" * 600
    assert cache.size == 600 + len(JSON) + sum(len(part) for part in key("a"))


def test_a_cache_of_zero_bytes_is_off():
    cache = AnswerCache(0)
    assert not cache.enabled
    assert not cache.put(key("a"), answer(1))
    assert cache.get(key("a")) is None
    assert (cache.hits, cache.misses, len(cache)) == (0, 0, 0)


def test_a_negative_size_is_refused():
    with pytest.raises(ValueError, match="-1"):
        AnswerCache(-1)


def test_threads_keep_the_bound_and_the_counts():
    cache = AnswerCache(20_000)
    rounds = 500

    def work(offset: int) -> None:
        for i in range(rounds):
            name = f"q{(i + offset) % 60}"
            if cache.get(key(name)) is None:
                cache.put(key(name), answer(300))

    threads = [threading.Thread(target=work, args=(n * 7,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.hits + cache.misses == 8 * rounds
    assert cache.hits > 0
    assert cache.size == sum(size for _, size in cache._entries.values())
    assert cache.size <= cache.max_bytes
