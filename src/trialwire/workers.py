"""Worker processes that parse spooled batches on this machine.

The pipeline is loaded once per pool, not once per worker: one spawned worker loads it
(`ingest.warm_worker`) and, on Linux, forks the others from itself, so they start with the loaded
pipeline in pages they share with it (a load is ~2 s of CPU; measured in the README). Forking is
safe there because the loaded worker runs one thread and has not imported Prefect.

Prefect-free on purpose: the flow's batch tasks run in threads of the flow process and hand each
batch to a worker here, so the workers never import Prefect or run its task engine (measured:
1.7 s of CPU and ~90 MB per worker, and the engine's per-task API calls ran serially with the
parsing there). Prefect still records one task run per batch, with its real duration and retries.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import signal
import sys
import threading
import time
from concurrent.futures.process import BrokenProcessPool, _ExceptionWithTraceback
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, Callable, Iterator

if TYPE_CHECKING:
    from . import ingest as core

__all__ = ["BrokenProcessPool", "ParseWorkers", "early_workers", "take_early", "worker_nice"]

CAN_FORK = sys.platform.startswith("linux")


def _process_batch(*args) -> core.BatchResult:
    """What a worker runs; sent by name, so a wrapper around `ingest.process_batch` in the parent
    (a profiler's, a test's) does not have to be picklable."""
    from . import ingest
    return ingest.process_batch(*args)


def _serve(conn: Connection) -> None:
    """Answer (function, args) requests until the pool closes its end."""
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        try:
            answer = ("ok", fn(*args))
        except BaseException as exc:  # noqa: BLE001  the caller re-raises it, with this traceback
            answer = ("error", _ExceptionWithTraceback(exc, exc.__traceback__))
        try:
            conn.send(answer)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            conn.send(("error", _ExceptionWithTraceback(exc, exc.__traceback__)))
        except OSError:
            return


def _worker_main(conns: list[Connection], nice: int) -> None:
    """Load the pipeline, fork a worker for each further connection, serve the first one."""
    # Ctrl-C reaches the whole process group: the flow process decides (its stop() lets batches in
    # progress finish, then closes the pipes), instead of every worker printing a traceback
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from . import ingest
    ingest.warm_worker(nice)
    children = []
    if len(conns) > 1:
        signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # a forked worker that dies leaves no zombie
    for conn in conns[1:]:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            for other in conns:
                if other is not conn:
                    other.close()  # so the pool sees EOF from a worker that dies, not a copy held here
            _serve(conn)
            os._exit(0)
        children.append(pid)
        conn.close()
    _serve(conns[0])
    for pid in children:  # exit after them, so that joining this process means the pool is gone
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:  # with SIGCHLD ignored, waitpid blocks until it exits, then says so
            pass


class ParseWorkers:
    def __init__(self, n: int, nice: int = 0) -> None:
        self.n, self.nice = n, nice
        self._idle: queue.SimpleQueue[Connection | None] = queue.SimpleQueue()
        self._conns: set[Connection] = set()  # one per live worker: ours to close when stopping
        self._processes: list[multiprocessing.process.BaseProcess] = []
        self._lock = threading.Lock()
        self._started = self._stopping = False

    def start(self) -> "ParseWorkers":
        """Start all `n` workers now; they load the pipeline while the caller goes on."""
        self._idle, self._stopping = queue.SimpleQueue(), False
        for size in ([self.n] if CAN_FORK else [1] * self.n):
            self._spawn(size)
        self._started = True
        return self

    def _spawn(self, workers: int) -> None:
        pipes = [multiprocessing.Pipe() for _ in range(workers)]
        # daemon: a process that exits without stop() ends its workers instead of waiting for them
        process = multiprocessing.get_context("spawn").Process(
            target=_worker_main, args=([child for _, child in pipes], self.nice), name="trialwire-parse-worker",
            daemon=True)
        process.start()
        with self._lock:
            self._processes.append(process)
            self._conns.update(ours for ours, _ in pipes)
        for ours, child in pipes:
            child.close()  # the worker's end lives in the worker only: its death reads as EOF here
            self._idle.put(ours)

    def call(self, fn: Callable[..., Any], *args) -> Any:
        """`fn(*args)` on the next free worker. A worker that died (killed, out of memory) raises
        BrokenProcessPool, for the caller's retry policy to judge; a fresh worker takes its place."""
        if not self._started:
            raise RuntimeError("ParseWorkers.start() was not called")
        conn = self._idle.get()
        if conn is None or self._stopping:
            self._idle.put(conn)  # for stop() to collect, or to wake the next waiting caller
            raise RuntimeError("the parse workers were stopped")
        try:
            conn.send((fn, args))
        except (pickle.PicklingError, TypeError, AttributeError):
            self._idle.put(conn)
            raise
        except OSError as exc:
            self._lost(conn)
            raise BrokenProcessPool(f"a parse worker is gone: {exc}") from exc
        try:
            status, value = conn.recv()
        except (EOFError, OSError) as exc:
            self._lost(conn)
            raise BrokenProcessPool("a parse worker died while parsing a batch") from exc
        self._idle.put(conn)
        if status == "error":
            raise value
        return value

    def process_batch(self, *args) -> core.BatchResult:
        """`ingest.process_batch(*args)` on a worker."""
        return self.call(_process_batch, *args)

    def _lost(self, conn: Connection) -> None:
        conn.close()
        with self._lock:
            self._conns.discard(conn)
        if self._stopping:
            self._idle.put(None)  # stop() re-counts the workers it waits for
        else:
            self._spawn(1)  # it loads its own pipeline: the others are busy parsing

    def stop(self, timeout_s: float = 60.0) -> None:
        """Let batches in progress finish, then end every worker. A batch still running after
        `timeout_s` is abandoned: its worker is killed, with the workers forked from it."""
        self._stopping = True
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                if not self._conns:
                    break
            try:
                conn = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            if conn is None:
                continue
            with self._lock:
                self._conns.discard(conn)
            conn.close()  # the worker reads EOF and exits
        self._idle.put(None)  # callers still waiting for a worker raise instead of waiting forever
        with self._lock:
            stuck, self._conns = self._conns, set()
            processes, self._processes = self._processes, []
        for conn in stuck:  # past the timeout: the worker exits when it next reads or answers
            conn.close()
        for process in processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                _kill_with_forked(process.pid)
                process.join()
        self._started = False


def _kill_with_forked(pid: int) -> None:
    """SIGKILL a spawned worker and the workers forked from it. Past stop()'s timeout a forked
    worker still on its batch (one that never ends) would otherwise parse on, orphaned, with its
    memory: the spawned worker waits for its forked ones before exiting, so it is alive while any is."""
    import psutil
    try:
        spawned = psutil.Process(pid)
        victims = [*spawned.children(), spawned]
    except psutil.NoSuchProcess:
        return
    for victim in victims:
        try:
            victim.kill()
        except psutil.NoSuchProcess:
            pass


WORKER_NICE = 10  # parse workers yield the CPU to the flow process and the API server (see warm_worker)


def worker_nice() -> int:
    """How much lower the parse workers' CPU priority is (see ingest.warm_worker): 10, or
    TRIALWIRE_WORKER_NICE (0 on a shared machine where parsing should not yield to other work)."""
    value = os.environ.get("TRIALWIRE_WORKER_NICE", "").strip()
    try:
        return max(0, min(19, int(value))) if value else WORKER_NICE
    except ValueError:
        raise ValueError(f"TRIALWIRE_WORKER_NICE must be a whole number from 0 to 19, not {value!r}") from None


_early: dict[int, ParseWorkers] = {}  # started before the flow, by size


@contextmanager
def early_workers(runner: str, workers: int) -> Iterator[None]:
    """Start the parse workers now (the CLI does, before it imports Prefect, so they load the
    pipeline meanwhile); the flow's parse workers of as many workers take them (take_early).
    Stopped on the way out if no flow did."""
    if runner != "process":
        yield
        return
    _early[workers] = ParseWorkers(workers, worker_nice()).start()
    try:
        yield
    finally:
        unused = _early.pop(workers, None)
        if unused is not None:
            unused.stop()


def take_early(workers: int) -> ParseWorkers | None:
    """The parse workers early_workers started, if any of that size: the caller stops them."""
    return _early.pop(workers, None)
