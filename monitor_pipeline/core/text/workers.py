"""The pipeline's worker processes: a pool that runs one task per process with a timeout, and the
multiprocessing context they come from, a forkserver that warms up once.

Workers are forked from a forkserver that has imported the worker-side modules (``WARM_MODULES``)
with ``WARM_FORKSERVER_ENV`` set, which makes each of them do its one-time setup at import:
trafilatura's lazy imports and langdetect's profiles (``article_processing``), the knowledge base
automaton and the layoff lexicon (``tagging``). A worker forked from it starts in a fraction of a
second instead of 1-2 s, paid again for every worker started, recycled or replaced. Where
forkserver does not exist, workers are spawned and do that setup themselves on first use.
"""
from __future__ import annotations

import gc
import multiprocessing
import multiprocessing.connection
import os
import queue
import signal
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

Task = TypeVar("Task")
Result = TypeVar("Result")

WARM_FORKSERVER_ENV = "MONITOR_PIPELINE_WARM_FORKSERVER"
WARM_MODULES = ("monitor_pipeline.core.text.article_processing", "monitor_pipeline.core.tagging.tagger")
_FORKSERVER_LOCK = threading.Lock()


def in_warm_forkserver(module_name: str) -> bool:
    """True while a module is being imported as the forkserver's preload (then it warms up)."""
    return os.environ.get(WARM_FORKSERVER_ENV) == "1" and module_name != "__main__"


def freeze_warm_state() -> None:
    """Called at the end of each warm-up in the forkserver: the objects created so far (module
    state, profiles, automaton) move to the garbage collector's permanent generation, so workers'
    collections neither scan them nor copy their pages on write."""
    gc.freeze()


def _ensure_warm_forkserver() -> None:
    """Start this process's forkserver, if not running yet, with the warm-up flag set."""
    from multiprocessing import forkserver

    with _FORKSERVER_LOCK:
        previous = os.environ.get(WARM_FORKSERVER_ENV)
        os.environ[WARM_FORKSERVER_ENV] = "1"
        try:
            forkserver.ensure_running()
        finally:
            if previous is None:
                os.environ.pop(WARM_FORKSERVER_ENV, None)
            else:
                os.environ[WARM_FORKSERVER_ENV] = previous


def worker_context() -> multiprocessing.context.BaseContext:
    """The warm forkserver context (started on first call), or spawn where forkserver does not exist."""
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(list(WARM_MODULES))  # only effective if the server has not started yet
        _ensure_warm_forkserver()
    return context


# --------------------------------------------------------------------------- reading ahead
READ_AHEAD_POLL_S = 0.05  # how often a blocked reader checks whether its consumer stopped


def read_ahead(items: Iterable[Task], size: int) -> Iterator[Task]:
    """``items`` in order, read by a thread of their own up to ``size`` items before the consumer.

    A pool's dispatch loop asks for the next task only when a worker is idle: when producing a task
    costs I/O (a database read, a page decompressed), that worker waits for it. Read ahead, the task is
    ready. An exception raised by ``items`` is raised here, at the item where it happened; a consumer
    that stops early stops the reader (it is joined before this generator returns)."""
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    box: queue.Queue = queue.Queue(maxsize=size)
    stop = threading.Event()
    end = object()

    def put(entry: tuple[Any, Any]) -> bool:
        while not stop.is_set():
            try:
                box.put(entry, timeout=READ_AHEAD_POLL_S)
                return True
            except queue.Full:
                continue
        return False

    source = iter(items)

    def read() -> None:
        try:
            for item in source:
                if not put((item, None)):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put((end, exc))
            return
        finally:
            close = getattr(source, "close", None)
            if close is not None:  # a generator left early runs its cleanup here, in its own thread
                close()
        put((end, None))

    reader = threading.Thread(target=read, name="read-ahead", daemon=True)
    reader.start()
    try:
        while True:
            item, error = box.get()
            if item is end:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        reader.join()


# --------------------------------------------------------------------------- the pool
WORKER_START_TIMEOUT_S = 120.0
MAX_TASKS_PER_WORKER = 500  # recycle workers to bound memory growth (lxml, trafilatura)
MAX_RESULTS_AHEAD = 64  # tasks dispatched beyond the oldest unfinished one (reorder buffer)


def _worker_main(conn: multiprocessing.connection.Connection, work: Callable[[Any], Any],
                 warm_up: Callable[[], Any] | None, on_error: Callable[[Any, str], Any]) -> None:
    """Worker loop: warm up, say "ready", then receive (index, task) and send back (index, result);
    None stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles interruption
    if warm_up is not None:
        warm_up()  # outside any task's timeout
    try:
        conn.send("ready")
    except (BrokenPipeError, OSError):
        return
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, task = message
        try:
            result = work(task)
        except BaseException as exc:  # ``work`` should not raise; belt and braces
            result = on_error(task, f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        try:
            conn.send((index, result))
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: multiprocessing.connection.Connection
    task: tuple[int, Any] | None = None
    started: float = 0.0
    done: int = 0


class WorkerPool(Generic[Task, Result]):
    """A fixed number of worker processes, each running ``work`` on one task at a time, results in
    input order. A task running longer than ``timeout_s`` gets ``on_timeout(task)`` and its worker is
    killed and replaced; a worker that dies gets ``on_error(task, message)``. ``work``, ``warm_up`` and
    ``on_error`` are module-level functions (they are sent to the workers)."""

    def __init__(self, size: int, work: Callable[[Task], Result], *, on_timeout: Callable[[Task], Result],
                 on_error: Callable[[Task, str], Result], warm_up: Callable[[], Any] | None = None) -> None:
        self.size = size
        self.work, self.on_timeout, self.on_error, self.warm_up = work, on_timeout, on_error, warm_up
        self.context = worker_context()
        self.workers: list[_Worker] = []

    def __enter__(self) -> "WorkerPool[Task, Result]":
        self.workers = [self._start_worker(wait=False) for _ in range(self.size)]
        try:
            for worker in self.workers:
                self._wait_ready(worker)
        except BaseException:
            self.__exit__(RuntimeError, None, None)
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        for worker in self.workers:
            self._stop_worker(worker, graceful=exc_info[0] is None)
        self.workers = []

    def _start_worker(self, wait: bool = True) -> _Worker:
        """Start a worker; with ``wait``, block until it has warmed up (so that task timeouts
        measure the task, not interpreter start-up)."""
        parent_conn, child_conn = self.context.Pipe(duplex=True)
        process = self.context.Process(target=_worker_main, daemon=True,
                                       args=(child_conn, self.work, self.warm_up, self.on_error))
        process.start()
        child_conn.close()
        worker = _Worker(process=process, conn=parent_conn)
        if wait:
            self._wait_ready(worker)
        return worker

    def _wait_ready(self, worker: _Worker) -> None:
        try:
            ready = worker.conn.poll(WORKER_START_TIMEOUT_S) and worker.conn.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
            self._stop_worker(worker, graceful=False)
            raise RuntimeError(
                f"worker process failed to start within {WORKER_START_TIMEOUT_S:g} s "
                f"(exit code {worker.process.exitcode})"
            )

    def _stop_worker(self, worker: _Worker, graceful: bool) -> None:
        if graceful and worker.task is None and worker.process.is_alive():
            try:
                worker.conn.send(None)
            except (BrokenPipeError, OSError):
                pass
            worker.process.join(timeout=2)
        if worker.process.is_alive():
            worker.process.terminate()
            worker.process.join(timeout=2)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(timeout=2)
        worker.conn.close()

    def _replace(self, worker: _Worker) -> _Worker:
        """Stop a worker (killing it if busy) and start a fresh one in its slot."""
        slot = self.workers.index(worker)
        worker.task = None
        self._stop_worker(worker, graceful=False)
        fresh = self._start_worker()
        self.workers[slot] = fresh
        return fresh

    def run(self, tasks: Iterable[Task], timeout_s: float,
            reject: Callable[[int, Any], Result | None] = lambda index, task: None) -> Iterator[Result]:
        """Results of ``tasks`` in input order. A task for which ``reject(index, task)`` returns a result
        is not sent to a worker: that result stands for it."""
        source = enumerate(tasks)
        exhausted = False
        results: dict[int, Result] = {}
        next_to_yield = 0
        pending: deque[tuple[int, Task]] = deque()

        while True:
            # Dispatch to idle workers, bounded by the reorder window.
            for worker in list(self.workers):
                if worker.task is not None:
                    continue
                if not pending and not exhausted:
                    try:
                        index, task = next(source)
                    except StopIteration:
                        exhausted = True
                    else:
                        rejected = reject(index, task)
                        if rejected is not None:
                            results[index] = rejected
                        else:
                            pending.append((index, task))
                if not pending or pending[0][0] - next_to_yield >= MAX_RESULTS_AHEAD:
                    continue
                if worker.done >= MAX_TASKS_PER_WORKER:
                    worker = self._replace(worker)
                self._dispatch(worker, pending.popleft())

            while next_to_yield in results:
                yield results.pop(next_to_yield)
                next_to_yield += 1

            busy = [w for w in self.workers if w.task is not None]
            if not busy:
                if exhausted and not pending:
                    for index in sorted(results):  # normally empty by now
                        yield results.pop(index)
                    return
                continue  # idle workers: dispatch more

            now = time.monotonic()
            wait_s = max(0.0, min(w.started + timeout_s for w in busy) - now)
            ready = multiprocessing.connection.wait([w.conn for w in busy], timeout=wait_s)
            for worker in busy:
                if worker.conn in ready:
                    self._collect(worker, results)
            now = time.monotonic()
            for worker in [w for w in self.workers if w.task is not None]:
                if now - worker.started >= timeout_s:
                    index, task = worker.task
                    results[index] = self.on_timeout(task)
                    self._replace(worker)

    def _dispatch(self, worker: _Worker, task: tuple[int, Any]) -> None:
        worker.task = task
        worker.started = time.monotonic()
        try:
            worker.conn.send(task)
        except (BrokenPipeError, OSError):
            # The worker died while idle: replace it and retry once on the new one.
            fresh = self._replace(worker)
            fresh.task = task
            fresh.started = time.monotonic()
            fresh.conn.send(task)

    def _collect(self, worker: _Worker, results: dict[int, Any]) -> None:
        assert worker.task is not None
        index, task = worker.task
        try:
            got_index, result = worker.conn.recv()
        except (EOFError, OSError) as exc:
            code = worker.process.exitcode
            results[index] = self.on_error(task, f"worker process died (exit code {code}): {type(exc).__name__}")
            self._replace(worker)
            return
        if got_index != index:  # pragma: no cover - protocol invariant
            results[index] = self.on_error(task, "internal error: result for another task")
            self._replace(worker)
            return
        results[index] = result
        worker.task = None
        worker.done += 1
