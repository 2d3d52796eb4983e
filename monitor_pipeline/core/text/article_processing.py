"""From raw page bytes to a processed article, for one page or a batch in worker processes.

``process_page`` chains decode → extract → clean → language → MinHash signature and never
raises. Title, author, sitename and description get the text's normalization
(``normalize_for_matching``: straight apostrophes, plain spaces). ``process_pages`` runs it over many pages with a per-document timeout: each worker
process handles one page at a time; a worker that exceeds ``timeout_s`` is terminated and
replaced, its page yields status ``timeout``, and the rest of the batch goes on. Results come
back in input order.
"""
from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from typing import Iterable, Iterator

from monitor_pipeline.core.text.clean import clean_text, normalize_for_matching
from monitor_pipeline.core.text.decode import decode_html
from monitor_pipeline.core.text.extract import extract_article, is_html_content_type
from monitor_pipeline.core.text.language import SAMPLE_CHARS as LANGUAGE_SAMPLE, UNDETERMINED, detect_language
from monitor_pipeline.core.text.syndication import signature
from monitor_pipeline.core.text.workers import freeze_warm_state, in_warm_forkserver, worker_context

MAX_BODY_BYTES = 5_000_000  # larger bodies get status "too_large" without parsing
MIN_TEXT_CHARS = 200  # shorter cleaned text → "too_short"
LANGUAGE_SAMPLE_CHARS = LANGUAGE_SAMPLE  # title + start of the text (see core/text/language.py)
MAX_TASKS_PER_WORKER = 500  # recycle workers to bound memory growth in lxml/trafilatura
MAX_RESULTS_AHEAD = 64  # pages dispatched beyond the oldest unfinished one (reorder buffer)

# Test hook: with MONITOR_PIPELINE_TEST_HOOKS=1 in the environment, a page whose body starts
# with TEST_HANG_MARKER sleeps for an hour, to simulate a document that hangs the extractor;
# one starting with TEST_CRASH_MARKER kills its process, to simulate a crash in native code.
TEST_HOOKS_ENV = "MONITOR_PIPELINE_TEST_HOOKS"
TEST_HANG_MARKER = b"<!--monitor-pipeline-test:hang-->"
TEST_CRASH_MARKER = b"<!--monitor-pipeline-test:crash-->"


@dataclass(frozen=True)
class PageInput:
    article_id: str
    body: bytes
    content_type: str | None
    url: str | None
    feed_summary: str | None
    feed_title: str | None


@dataclass
class ProcessedArticle:
    article_id: str
    status: str
    title: str | None
    author: str | None
    html_published_at: str | None
    sitename: str | None
    description: str | None
    html_lang: str | None
    encoding: str | None
    encoding_source: str | None
    text: str  # cleaned text
    paragraphs: list[tuple[int, int]]
    sentences: list[tuple[int, int]]
    language: str
    language_probability: float
    signature: bytes | None
    error: str | None
    reason: str | None = None  # why the status is not "ok", in words


def failed_article(page: PageInput, status: str, message: str | None, reason: str | None = None) -> ProcessedArticle:
    """A ProcessedArticle with no content (not_html, too_large, timeout, error)."""
    return ProcessedArticle(
        article_id=page.article_id, status=status, title=page.feed_title, author=None,
        html_published_at=None, sitename=None, description=None, html_lang=None, encoding=None,
        encoding_source=None, text="", paragraphs=[], sentences=[], language=UNDETERMINED,
        language_probability=0.0, signature=None, error=message, reason=reason,
    )


def _without_repeated_title(text: str, title: str | None) -> str:
    """Drop the headline when the extraction repeats it as the first line: it restates the lead,
    and tagging it again would count the same statement twice."""
    if not title or not text:
        return text
    first, _, rest = text.lstrip().partition("\n")
    if normalize_for_matching(first).strip().casefold() == normalize_for_matching(title).strip().casefold():
        return rest
    return text


def process_page(page: PageInput, min_chars: int = MIN_TEXT_CHARS) -> ProcessedArticle:
    """Decode, extract, clean, detect the language and sign one page; never raises."""
    try:
        return _process_page(page, min_chars)
    except Exception as exc:
        return failed_article(page, "error", f"{type(exc).__name__}: {exc}")


def _process_page(page: PageInput, min_chars: int) -> ProcessedArticle:
    if not is_html_content_type(page.content_type):
        return failed_article(
            page, "not_html", None, f"content type {page.content_type!r} is not HTML"
        )
    if page.content_type is None and looks_binary(page.body):
        return failed_article(page, "not_html", None, "no content type and the body is binary")
    if len(page.body) > MAX_BODY_BYTES:
        return failed_article(
            page, "too_large", None, f"body has {len(page.body)} bytes, more than {MAX_BODY_BYTES}"
        )
    if os.environ.get(TEST_HOOKS_ENV) == "1":
        if page.body.startswith(TEST_HANG_MARKER):
            time.sleep(3600)
        if page.body.startswith(TEST_CRASH_MARKER):
            os._exit(3)

    decoded = decode_html(page.body, page.content_type)
    extracted = extract_article(
        decoded.text, url=page.url, feed_summary=page.feed_summary, min_chars=min_chars
    )
    if extracted.status == "error":
        result = failed_article(page, "error", extracted.error)
        result.encoding, result.encoding_source = decoded.encoding, decoded.encoding_source
        result.html_lang = extracted.html_lang
        return result

    cleaned = clean_text(_without_repeated_title(extracted.text, extracted.title))
    status, reason = extracted.status, extracted.reason
    if status == "ok" and not cleaned.text:
        status, reason = "empty", "only boilerplate lines were extracted"
    elif status == "ok" and len(cleaned.text) < min_chars:
        status = "too_short"
        reason = f"cleaned text has {len(cleaned.text)} characters, fewer than {min_chars}"

    title = _normalized(extracted.title) or _normalized(page.feed_title)
    if cleaned.text:
        sample = f"{title}\n{cleaned.text}" if title else cleaned.text
        language, probability = detect_language(sample, LANGUAGE_SAMPLE_CHARS)
    else:
        language, probability = UNDETERMINED, 0.0

    return ProcessedArticle(
        article_id=page.article_id,
        status=status,
        title=title,
        author=_normalized(extracted.author),
        html_published_at=extracted.published_at,
        sitename=_normalized(extracted.sitename),
        description=_normalized(extracted.description),
        html_lang=extracted.html_lang,
        encoding=decoded.encoding,
        encoding_source=decoded.encoding_source,
        text=cleaned.text,
        paragraphs=cleaned.paragraphs,
        sentences=cleaned.sentences,
        language=language,
        language_probability=probability,
        signature=signature(cleaned.text) if cleaned.text else None,
        error=None,
        reason=reason,
    )


_BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"GIF8", b"\xff\xd8\xff", b"PK\x03\x04", b"\x1f\x8b", b"RIFF", b"OggS", b"ID3")


def looks_binary(body: bytes) -> bool:
    """Sniff a body served without content type: known binary magic numbers, or NUL bytes
    in the first kilobyte of a body without a UTF-16 byte order mark."""
    if body.startswith(_BINARY_SIGNATURES):
        return True
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    return b"\x00" in body[:1024]


def _normalized(value: str | None) -> str | None:
    """Metadata strings get the same normalization as the text (apostrophes, spaces)."""
    if value is None:
        return None
    return normalize_for_matching(value) or None


# --------------------------------------------------------------------------- batches


def process_pages(
    pages: Iterable[PageInput], workers: int = 2, timeout_s: float = 30.0
) -> Iterator[ProcessedArticle]:
    """Process pages, yielding one ProcessedArticle per page in input order.

    ``workers > 1``: that many worker processes, one page each at a time; a page running
    longer than ``timeout_s`` yields status "timeout" and its worker is killed and replaced.
    A worker that dies (crash) yields status "error" for its page. ``workers <= 1``: in the
    calling process; the timeout is then enforced with SIGALRM when running in the main
    thread on a POSIX system (pure-Python code only), and not enforced otherwise.
    """
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s}")
    if workers <= 1:
        yield from _process_in_process(pages, timeout_s)
    else:
        with _WorkerPool(workers) as pool:
            yield from pool.run(pages, timeout_s)


class _PageTimeout(BaseException):  # not Exception: process_page must not swallow it
    pass


def _process_in_process(pages: Iterable[PageInput], timeout_s: float) -> Iterator[ProcessedArticle]:
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    for page in pages:
        if not use_alarm:
            yield process_page(page)
            continue

        def on_alarm(signum, frame):  # noqa: ARG001 - signal handler signature
            raise _PageTimeout()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout_s)
            result = process_page(page)
        except _PageTimeout:
            result = _timeout_article(page, timeout_s)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        yield result


def _timeout_article(page: PageInput, timeout_s: float) -> ProcessedArticle:
    message = f"processing exceeded {timeout_s:g} s"
    return failed_article(page, "timeout", message, message)


_WARMUP_PAGE = PageInput(
    article_id="warmup", content_type="text/html", url=None, feed_summary=None, feed_title=None,
    body=("<html><body><article><p>" + "Le conseil a validé le budget de l'entreprise pour l'année. " * 5
          + "</p></article></body></html>").encode("utf-8"),
)
WORKER_START_TIMEOUT_S = 120.0


def _worker_main(conn: multiprocessing.connection.Connection) -> None:
    """Worker loop: warm up, say "ready", then receive (index, page) and send back
    (index, ProcessedArticle); None stops."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles interruption
    process_page(_WARMUP_PAGE)  # load trafilatura and langdetect profiles outside any timeout
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
        index, page = message
        try:
            result = process_page(page)
        except BaseException as exc:  # process_page never raises; belt and braces
            result = failed_article(page, "error", f"{type(exc).__name__}: {exc}\n{traceback.format_exc()}")
        try:
            conn.send((index, result))
        except (BrokenPipeError, OSError):
            return


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    conn: multiprocessing.connection.Connection
    task: tuple[int, PageInput] | None = None
    started: float = 0.0
    done: int = 0


class _WorkerPool:
    """A fixed number of worker processes, each running one page at a time."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.context = worker_context()
        self.workers: list[_Worker] = []

    def __enter__(self) -> "_WorkerPool":
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
        """Start a worker; with ``wait``, block until it has warmed up (so that page timeouts
        measure page processing, not interpreter start-up)."""
        parent_conn, child_conn = self.context.Pipe(duplex=True)
        process = self.context.Process(target=_worker_main, args=(child_conn,), daemon=True)
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
                f"article worker process failed to start within {WORKER_START_TIMEOUT_S:g} s "
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

    def run(self, pages: Iterable[PageInput], timeout_s: float) -> Iterator[ProcessedArticle]:
        source = enumerate(pages)
        exhausted = False
        results: dict[int, ProcessedArticle] = {}
        next_to_yield = 0
        pending: deque[tuple[int, PageInput]] = deque()

        while True:
            # Dispatch to idle workers, bounded by the reorder window.
            for worker in list(self.workers):
                if worker.task is not None:
                    continue
                if not pending and not exhausted:
                    try:
                        index, page = next(source)
                    except StopIteration:
                        exhausted = True
                    else:
                        if not isinstance(page, PageInput):
                            results[index] = _bad_input(index, page)
                        else:
                            pending.append((index, page))
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
                    self._collect(worker, results, timeout_s)
            now = time.monotonic()
            for worker in [w for w in self.workers if w.task is not None]:
                if now - worker.started >= timeout_s:
                    index, page = worker.task
                    results[index] = _timeout_article(page, timeout_s)
                    self._replace(worker)

    def _dispatch(self, worker: _Worker, task: tuple[int, PageInput]) -> None:
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

    def _collect(self, worker: _Worker, results: dict[int, ProcessedArticle], timeout_s: float) -> None:
        assert worker.task is not None
        index, page = worker.task
        try:
            got_index, result = worker.conn.recv()
        except (EOFError, OSError) as exc:
            code = worker.process.exitcode
            results[index] = failed_article(
                page, "error", f"worker process died (exit code {code}): {type(exc).__name__}"
            )
            self._replace(worker)
            return
        if got_index != index:  # pragma: no cover - protocol invariant
            results[index] = failed_article(page, "error", "internal error: result for another page")
            self._replace(worker)
            return
        results[index] = result
        worker.task = None
        worker.done += 1


def _bad_input(index: int, page: object) -> ProcessedArticle:
    return ProcessedArticle(
        article_id=str(getattr(page, "article_id", f"#{index}")), status="error", title=None,
        author=None, html_published_at=None, sitename=None, description=None, html_lang=None,
        encoding=None, encoding_source=None, text="", paragraphs=[], sentences=[],
        language=UNDETERMINED, language_probability=0.0, signature=None,
        error=f"expected a PageInput, got {type(page).__name__}",
    )


if in_warm_forkserver(__name__):
    process_page(_WARMUP_PAGE)  # imported as the forkserver's preload: warm up once for all workers
    freeze_warm_state()
