"""From raw page bytes to a processed article, for one page or a batch in worker processes.

``process_page`` chains decode → extract → clean → language → MinHash signature and never
raises. Title, author, sitename and description get the text's normalization
(``normalize_for_matching``: straight apostrophes, plain spaces). ``process_pages`` runs it over many pages with a per-document timeout: each worker
process handles one page at a time; a worker that exceeds ``timeout_s`` is terminated and
replaced, its page yields status ``timeout``, and the rest of the batch goes on. Results come
back in input order.
"""
from __future__ import annotations

import functools
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from monitor_pipeline.core.text.clean import clean_text, normalize_for_matching
from monitor_pipeline.core.text.decode import decode_html
from monitor_pipeline.core.text.extract import extract_article, is_html_content_type
from monitor_pipeline.core.text.language import SAMPLE_CHARS as LANGUAGE_SAMPLE, UNDETERMINED, detect_language
from monitor_pipeline.core.text.syndication import signature
from monitor_pipeline.core.text.workers import WorkerPool, freeze_warm_state, in_warm_forkserver

MAX_BODY_BYTES = 5_000_000  # larger bodies get status "too_large" without parsing
MIN_TEXT_CHARS = 200  # shorter cleaned text → "too_short"
LANGUAGE_SAMPLE_CHARS = LANGUAGE_SAMPLE  # title + start of the text (see core/text/language.py)


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
    pages: Iterable[PageInput | ProcessedArticle], workers: int = 2, timeout_s: float = 30.0,
    process: Callable[[PageInput], ProcessedArticle] = process_page,
) -> Iterator[ProcessedArticle]:
    """Process pages, yielding one ProcessedArticle per page in input order. A ProcessedArticle among
    ``pages`` (a page extracted before, e.g. while it was fetched) stands for itself, in its place.

    ``workers > 1``: that many worker processes, one page each at a time; a page running
    longer than ``timeout_s`` yields status "timeout" and its worker is killed and replaced.
    A worker that dies (crash) yields status "error" for its page. ``workers <= 1``: in the
    calling process; the timeout is then enforced with SIGALRM when running in the main
    thread on a POSIX system (pure-Python code only), and not enforced otherwise.
    ``process`` (a module-level function: workers receive it) is ``process_page``, or a
    stand-in (the tests' pages that hang or crash their worker).
    """
    if timeout_s <= 0:
        raise ValueError(f"timeout_s must be positive, got {timeout_s}")
    if workers <= 1:
        yield from _process_in_process(pages, timeout_s, process)
    else:
        with WorkerPool(workers, process, on_timeout=functools.partial(_timeout_article, timeout_s=timeout_s),
                        on_error=_error_article, warm_up=_warm_up) as pool:
            yield from pool.run(pages, timeout_s, reject=_bad_input)


class _PageTimeout(BaseException):  # not Exception: process_page must not swallow it
    pass


def _process_in_process(pages: Iterable[PageInput | ProcessedArticle], timeout_s: float,
                        process: Callable[[PageInput], ProcessedArticle]) -> Iterator[ProcessedArticle]:
    use_alarm = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    for page in pages:
        if isinstance(page, ProcessedArticle):
            yield page
            continue
        if not use_alarm:
            yield process(page)
            continue

        def on_alarm(signum, frame):  # noqa: ARG001 - signal handler signature
            raise _PageTimeout()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        try:
            signal.setitimer(signal.ITIMER_REAL, timeout_s)
            result = process(page)
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


def _warm_up() -> None:
    """Each worker's first page, outside any timeout: loads trafilatura and langdetect's profiles."""
    process_page(_WARMUP_PAGE)


def _error_article(page: PageInput, message: str) -> ProcessedArticle:
    return failed_article(page, "error", message)


def _bad_input(index: int, page: object) -> ProcessedArticle | None:
    """None for a PageInput (it goes to a worker); a ProcessedArticle stands for itself; anything else
    gets the error that stands for it."""
    if isinstance(page, PageInput):
        return None
    if isinstance(page, ProcessedArticle):
        return page
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
