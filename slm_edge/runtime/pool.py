"""A bounded pool of objects that are not thread-safe, lent to one caller at a time."""

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

Item = TypeVar("Item")


class Pool(Generic[Item]):
    """Makes items lazily, up to ``max_size``; a caller beyond that waits for a free one.

    The most recently returned item is lent first (a LIFO queue), so under light load
    one warm item serves every request instead of each request waking a cold one.
    """

    def __init__(self, make_item: Callable[[], Item], max_size: int):
        if max_size < 1:
            raise ValueError(f"max_size must be at least 1, got {max_size}")
        self.max_size = max_size
        self._make_item = make_item
        self._idle: list[Item] = []
        self._changed = threading.Condition()
        self._created = 0
        self._closed = False

    @property
    def created(self) -> int:
        """How many items exist (idle or lent)."""
        return self._created

    @contextmanager
    def checkout(self) -> Iterator[Item]:
        """Lends an item for the ``with`` block and takes it back afterwards."""
        item = self._acquire()
        try:
            yield item
        finally:
            with self._changed:
                if not self._closed:
                    self._idle.append(item)
                self._changed.notify()

    def _acquire(self) -> Item:
        with self._changed:
            while True:
                if self._closed:
                    raise RuntimeError("the pool is closed")
                if self._idle:
                    return self._idle.pop()
                if self._created < self.max_size:
                    self._created += 1
                    break
                self._changed.wait()
        try:
            return self._make_item()
        except BaseException:
            with self._changed:
                self._created -= 1
                self._changed.notify()
            raise

    def close(self) -> None:
        """Drops idle items and wakes waiters; lent items are dropped when they come back."""
        with self._changed:
            self._closed = True
            self._idle.clear()
            self._changed.notify_all()
