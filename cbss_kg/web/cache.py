"""A bounded cache of query answers as the store wrote them.

The server serves one immutable release, so an answer never goes stale: the only reason to forget
one is the bound on memory, and the least recently used answer goes first. An answer is kept under
everything that decides its bytes (the query text, the parameters bound as N-Triples terms, the
media type asked for, the row cap and the dataset), so a hit is the very answer the store would
write again. Only answers are kept: an error or a stopped query is never put here, so it is asked
of the store again next time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rdflib.term import Node

LARGEST_SHARE = 8
"""An answer larger than 1/8 of the bound is not kept (it would push out many small ones)."""


@dataclass(frozen=True)
class CachedAnswer:
    """A query's serialized answer: its bytes, content type, and whether the row cap cut it."""

    body: bytes
    media_type: str
    truncated: bool


Key = tuple[str, ...]


def answer_key(
    text: str,
    *,
    media_type: str,
    bindings: Mapping[str, Node] | None = None,
    row_limit: int | None = None,
    union_default_graph: bool = True,
    default_graphs: Sequence[str] = (),
    named_graphs: Sequence[str] = (),
) -> Key:
    """The cache key of a query's answer: every argument that decides the answer's bytes.

    Parameters are written as N-Triples terms (``n3()``), so ``"1"^^xsd:integer`` and ``"1"`` are
    different keys; the order of parameters does not matter, the order of graphs is kept as given.
    """
    bound = tuple(f"{name}={term.n3()}" for name, term in sorted((bindings or {}).items()))
    return (
        text,
        media_type,
        str(row_limit),
        "union" if union_default_graph else "graphs",
        "\x1f".join(default_graphs),
        "\x1f".join(named_graphs),
        *bound,
    )


class AnswerCache:
    """A thread-safe LRU cache of :class:`CachedAnswer`, bounded by total bytes.

    ``max_bytes`` of 0 turns it off: nothing is kept and every lookup misses without being counted.
    The size of an entry is its body plus its key (a long query text is memory too).
    """

    def __init__(self, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError(f"a cache cannot hold {max_bytes} bytes")
        self.max_bytes = max_bytes
        self.max_entry = max_bytes // LARGEST_SHARE
        self._entries: OrderedDict[Key, tuple[CachedAnswer, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.size = 0
        """Bytes held now."""
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Key) -> CachedAnswer | None:
        """The answer kept under ``key`` (now the most recently used), else ``None``."""
        if not self.enabled:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: Key, answer: CachedAnswer) -> bool:
        """Keep ``answer`` under ``key``, forgetting the least recently used answers to make room.

        Returns whether it was kept: an answer larger than the largest share of the bound is not.
        """
        size = len(answer.body) + len(answer.media_type) + sum(len(part) for part in key)
        if not self.enabled or size > self.max_entry:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.size -= old[1]
            while self._entries and self.size + size > self.max_bytes:
                _, (_, freed) = self._entries.popitem(last=False)
                self.size -= freed
            self._entries[key] = (answer, size)
            self.size += size
        return True
