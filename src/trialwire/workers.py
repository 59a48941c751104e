"""Worker processes that parse spooled batches on this machine; each loads the spaCy pipeline once,
as it starts (`ingest.warm_worker`).

Prefect-free on purpose: the flow's batch tasks run in threads of the flow process and hand each
batch to a worker here, so the workers never import Prefect or run its task engine (measured:
1.7 s of CPU and ~90 MB per worker, and the engine's per-task API calls ran serially with the
parsing there). Prefect still records one task run per batch, with its real duration and retries.
"""
from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from . import ingest as core


def _process_batch(*args) -> core.BatchResult:
    """What a worker runs; sent by name, so a wrapper around `ingest.process_batch` in the parent
    (a profiler's, a test's) does not have to be picklable."""
    return core.process_batch(*args)


class ParseWorkers:
    def __init__(self, n: int, nice: int = 0) -> None:
        self.n, self.nice = n, nice
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def start(self) -> "ParseWorkers":
        """Start all `n` workers now (an executor starts them one per waiting submission)."""
        self._executor = ProcessPoolExecutor(self.n, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=core.warm_worker, initargs=(self.nice,))
        for _ in range(self.n):
            self._executor.submit(int)
        return self

    def process_batch(self, *args) -> core.BatchResult:
        """`ingest.process_batch(*args)` on a worker. A worker that died (killed, out of memory)
        breaks the whole pool: it is replaced, so that a retry of the batch finds workers, and the
        BrokenProcessPool is raised for the caller's retry policy to judge."""
        executor = self._executor
        if executor is None:
            raise RuntimeError("ParseWorkers.start() was not called")
        try:
            return executor.submit(_process_batch, *args).result()
        except BrokenProcessPool:
            with self._lock:
                if self._executor is executor:
                    executor.shutdown(wait=False, cancel_futures=True)
                    self.start()
            raise

    def stop(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
