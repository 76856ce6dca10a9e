"""One memo object per loaded pack, made on first use and dropped with the pack.

Why one helper: the evaluation and the published-scales section both keep per-pack state built from
the pack alone (plans, keys, caches). Keyed weakly, so a pack an educator reloads is not kept alive;
filled under a lock, so two threads never build two memos for one pack.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class PackMemos(Generic[K, V]):
    """``get(pack)``: the memo of ``pack``, made by ``factory(pack)`` the first time."""

    def __init__(self, factory: Callable[[K], V]) -> None:
        self._factory = factory
        self._memos: weakref.WeakKeyDictionary[K, V] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(self, pack: K) -> V:
        memo = self._memos.get(pack)
        if memo is None:
            with self._lock:
                memo = self._memos.get(pack)
                if memo is None:
                    memo = self._memos[pack] = self._factory(pack)
        return memo

    def forget(self, pack: K) -> None:
        with self._lock:
            self._memos.pop(pack, None)

    def __contains__(self, pack: object) -> bool:
        return pack in self._memos
