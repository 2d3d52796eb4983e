"""Extraction and tagging while pages download: the pages stage hands each stored page to worker
processes at once; each extracts the page and, for a French article worth tagging, tags it. The
processed article is kept under its extraction key (``storage.page_extractions``), the tags under
their tagging key (``storage.article_tags``); the articles and mentions stages then reuse them
instead of doing the work again. Fetching waits on the network (the per-host politeness interval)
and leaves the cores idle; extraction and tagging fill them."""
from __future__ import annotations

import dataclasses
import queue
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future

from monitor_pipeline.core.tagging.draft import TagResult
from monitor_pipeline.core.tagging.tagging_key import tagging_key
from monitor_pipeline.core.text.article_processing import PageInput, ProcessedArticle, process_page, process_pages
from monitor_pipeline.core.text.clean import CleanedText
from monitor_pipeline.core.text.extraction_key import extraction_key
from monitor_pipeline.stages.taggable import is_taggable
from monitor_pipeline.storage import article_tags, page_extractions
from monitor_pipeline.storage.page_store import PageStore
from monitor_pipeline.storage.warehouse import ConnectionFactory

KEEP_BATCH = 100  # processed articles written at a time


@dataclasses.dataclass
class ExtractedPage:
    article: ProcessedArticle
    tags: TagResult | None  # None: not a French article worth tagging


def cleaned_text(article: ProcessedArticle) -> CleanedText:
    """The article's cleaned text as the mentions stage reads it back from the ``articles`` table."""
    return CleanedText(text=article.text, paragraphs=list(article.paragraphs), sentences=list(article.sentences))


def extract_and_tag(page: PageInput) -> ExtractedPage:
    """Worker task: the page's processed article and, for a French article worth tagging, its tags
    (the worker's complete tagger: rules, parser and NER, loaded once in the warm forkserver)."""
    from monitor_pipeline.core.tagging.tagger import rules_tagger

    article = process_page(page)
    if not is_taggable(article.language, article.status):
        return ExtractedPage(article, None)
    return ExtractedPage(article, rules_tagger().tag_many([cleaned_text(article)])[0])


class ExtractionWhileFetching:
    """Pages submitted as they are stored are extracted by ``workers`` worker processes, driven by a
    thread of its own; ``finish`` waits for the last one. A failure here never fails the fetch: the
    articles stage extracts whatever was not kept, and ``error`` says why."""

    def __init__(self, connect: ConnectionFactory, day: str, store: PageStore, workers: int,
                 timeout_s: float = 30.0) -> None:
        if workers < 2:
            raise ValueError("extraction while fetching needs worker processes (workers >= 2)")
        self.connect, self.day, self.store = connect, day, store
        self.workers, self.timeout_s = workers, timeout_s
        self.kept = 0
        self.tagged = 0
        self.error: str | None = None
        self._queue: queue.Queue = queue.Queue()  # small items: the bodies stay in the page store
        self._drained = False  # the end of the submissions was read
        self._thread = threading.Thread(target=self._run, name="extract-while-fetching", daemon=True)

    def __enter__(self) -> "ExtractionWhileFetching":
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.finish()

    def submit(self, page: PageInput, content_sha256: str, stored: Future | None = None) -> None:
        """Extract ``page`` (its body is read from the store once ``stored`` is done): quick, never blocks."""
        self._queue.put((page, content_sha256, stored))

    def finish(self) -> int:
        """Wait until every submitted page is extracted and kept; return how many were kept."""
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        return self.kept

    def _inputs(self, keys: deque) -> Iterator[PageInput]:
        while (item := self._queue.get()) is not None:
            page, sha, stored = item
            try:
                if stored is not None:
                    stored.result()
                body = self.store.get(sha)
            except Exception:  # noqa: BLE001 - not stored: the fetch reports it, the articles stage retries
                continue
            keys.append(extraction_key(page, sha))
            yield dataclasses.replace(page, body=body)
        self._drained = True

    def _run(self) -> None:
        keys: deque[str] = deque()
        batch: list[tuple[str, ExtractedPage]] = []
        try:
            for done in process_pages(self._inputs(keys), workers=self.workers, timeout_s=self.timeout_s,
                                      process=extract_and_tag):
                # a page that timed out or crashed its worker comes back as a bare ProcessedArticle
                page = done if isinstance(done, ExtractedPage) else ExtractedPage(done, None)
                batch.append((keys.popleft(), page))
                if len(batch) >= KEEP_BATCH:
                    self._keep(batch)
                    batch = []
            self._keep(batch)
        except Exception as exc:  # noqa: BLE001 - reported, and the articles stage extracts instead
            self.error = f"{type(exc).__name__}: {exc}"
            while not self._drained and self._queue.get() is not None:  # let the fetch go on submitting
                pass

    def _keep(self, batch: list[tuple[str, ExtractedPage]]) -> None:
        if not batch:
            return
        tags = [(tagging_key(cleaned_text(page.article)), page.article.article_id, page.tags)
                for _, page in batch if page.tags is not None]
        with self.connect() as conn:
            self.kept += page_extractions.save(conn, self.day, [(key, page.article) for key, page in batch])
            self.tagged += article_tags.save(conn, self.day, tags)
