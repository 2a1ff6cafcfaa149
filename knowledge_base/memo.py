"""Results of pure readings remembered per object: a question asked again (a burst after an
announcement asks the same few questions many times, and one question is read several times on its
way to an answer) costs a dictionary probe instead of the reading.

Only for values nobody changes afterwards (frozen dataclasses, tuples) and functions of their
arguments alone (the knowledge base and the place table do not change while a process runs).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

# Entries per memo, as many as the semantic stage's remembered query vectors: the few questions a
# burst asks again and again fit many times over, and every distinct message a process reads (an
# SMS is read through the knowledge base too) cannot grow it without bound. When full, the memo
# starts again empty (cheaper than keeping an order for least-recently-used).
SIZE = 4096


class Memo(Generic[K, V]):
    """A bounded dictionary of computed values (safe across threads: one probe, one store)."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self._values: dict[K, V] = {}

    def get(self, key: K, compute: Callable[[], V]) -> V:
        try:
            return self._values[key]
        except KeyError:
            pass
        value = compute()
        self.put(key, value)
        return value

    def lookup(self, key: K) -> V | None:
        """The value remembered for ``key``, or None (for a value computed by awaiting)."""
        return self._values.get(key)

    def put(self, key: K, value: V) -> None:
        if len(self._values) >= self.size:
            self._values.clear()
        self._values[key] = value
