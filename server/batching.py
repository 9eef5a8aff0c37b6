"""Optional micro-batching: concurrent requests share one runtime call.

Requests wait in a queue for at most ``max_wait_s``; a worker takes up to
``max_batch_size`` texts from the queue and classifies them together. Whether
this helps depends on the runtime (see benchmarks/load_server.py): with
interpreters that run one text at a time it saves only per-call overhead.
"""

import dataclasses
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

ClassifyFn = Callable[[list[str], int], list[Any]]


class BatcherClosed(RuntimeError):
    """The batcher was closed before the request ran."""


class _Pending:
    __slots__ = ("texts", "top_k", "done", "result", "error")

    def __init__(self, texts: list[str], top_k: int) -> None:
        self.texts = texts
        self.top_k = top_k
        self.done = threading.Event()
        self.result: list[Any] | None = None
        self.error: BaseException | None = None


_STOP = object()


class MicroBatcher:
    """Groups concurrent ``classify`` calls into batches for a few worker threads.

    Args:
        classify: the runtime call, ``classify(texts, top_k) -> predictions``.
        max_batch_size: most texts in one runtime call (a larger request runs alone).
        max_wait_s: how long the first request of a batch waits for company.
        workers: threads that call the runtime (its interpreter pool runs them at once).
        on_batch: called with the size of every runtime call (for metrics).
    """

    def __init__(
        self,
        classify: ClassifyFn,
        max_batch_size: int = 16,
        max_wait_s: float = 0.002,
        workers: int = 2,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self._classify = classify
        self.max_batch_size = max_batch_size
        self.max_wait_s = max_wait_s
        self._on_batch = on_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._closed = False
        self._close_lock = threading.Lock()
        self._workers = [
            threading.Thread(target=self._work, name=f"microbatch-{i}", daemon=True)
            for i in range(workers)
        ]
        for worker in self._workers:
            worker.start()

    def classify(self, texts: list[str], top_k: int = 1) -> list[Any]:
        """Blocks until ``texts`` are classified; same result as the runtime call."""
        pending = _Pending(texts, top_k)
        with self._close_lock:
            if self._closed:
                raise BatcherClosed("the model is being unloaded")
            self._queue.put(pending)
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        assert pending.result is not None
        return pending.result

    def _work(self) -> None:
        carried: _Pending | None = None
        while True:
            first = carried if carried is not None else self._queue.get()
            carried = None
            if first is _STOP:
                return
            batch = [first]
            size = len(first.texts)
            deadline = time.perf_counter() + self.max_wait_s
            while size < self.max_batch_size:
                remaining = deadline - time.perf_counter()
                try:
                    item = self._queue.get(timeout=remaining) if remaining > 0 else None
                except queue.Empty:
                    item = None
                if item is None:
                    break
                if item is _STOP or size + len(item.texts) > self.max_batch_size:
                    carried = item
                    break
                batch.append(item)
                size += len(item.texts)
            self._run(batch, size)

    def _run(self, batch: list[_Pending], size: int) -> None:
        texts = [text for pending in batch for text in pending.texts]
        top_k = max(pending.top_k for pending in batch)
        try:
            predictions = self._classify(texts, top_k)
            if self._on_batch is not None:
                self._on_batch(size)
        except BaseException as error:  # handed to every waiting request
            for pending in batch:
                pending.error = error
                pending.done.set()
            return
        start = 0
        for pending in batch:
            chunk = predictions[start : start + len(pending.texts)]
            start += len(pending.texts)
            if pending.top_k < top_k:
                chunk = [dataclasses.replace(p, top_k=p.top_k[: pending.top_k]) for p in chunk]
            pending.result = chunk
            pending.done.set()

    def close(self) -> None:
        """Finishes the queued requests, then stops the workers."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
            for _ in self._workers:
                self._queue.put(_STOP)
        for worker in self._workers:
            if worker is not threading.current_thread():
                worker.join()
