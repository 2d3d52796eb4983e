"""Extraction and tagging while pages download: the pages stage hands each stored page to worker
processes at once. Each page is extracted on its own (a per-page timeout guards against pathological
HTML); the French articles worth tagging are then tagged in chunks, as the mentions stage tags them
(spaCy parses and recognises a chunk's sentences in one batch). The processed article is kept under
its extraction key (``storage.page_extractions``), the tags under their tagging key
(``storage.article_tags``); the articles and mentions stages then reuse them instead of doing the work
again. Fetching waits on the network (the per-host politeness interval) and leaves the cores idle;
extraction and tagging fill them."""
from __future__ import annotations

import dataclasses
import queue
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from monitor_pipeline.core.tagging.tagging_key import tagging_key
from monitor_pipeline.core.text.article_processing import PageInput, ProcessedArticle, process_pages
from monitor_pipeline.core.text.clean import CleanedText
from monitor_pipeline.core.text.extraction_key import extraction_key
from monitor_pipeline.core.text.workers import worker_context
from monitor_pipeline.stages.taggable import is_taggable
from monitor_pipeline.storage import article_tags, page_extractions
from monitor_pipeline.storage.page_store import PageStore
from monitor_pipeline.storage.warehouse import ConnectionFactory

KEEP_BATCH = 100  # processed articles written at a time
TAG_CHUNK = 25  # articles per tagging task (as the mentions stage's)
# Chunks submitted for tagging and not yet kept, at most: tagging costs more than extracting, so without
# a bound the extracted articles waiting for a tagger would grow with the partition.
TAG_CHUNKS_AHEAD = 4


def cleaned_text(article: ProcessedArticle) -> CleanedText:
    """The article's cleaned text as the mentions stage reads it back from the ``articles`` table."""
    return CleanedText(text=article.text, paragraphs=list(article.paragraphs), sentences=list(article.sentences))


class ExtractionWhileFetching:
    """Pages submitted as they are stored are extracted by ``workers`` worker processes and tagged by as
    many others, driven by a thread of its own; ``finish`` waits for the last one. A failure here never
    fails the fetch: the articles and mentions stages compute whatever was not kept, and ``error`` says
    why."""

    def __init__(self, connect: ConnectionFactory, day: str, store: PageStore, workers: int,
                 timeout_s: float = 30.0, tag: bool = True) -> None:
        if workers < 2:
            raise ValueError("extraction while fetching needs worker processes (workers >= 2)")
        self.connect, self.day, self.store = connect, day, store
        self.workers, self.timeout_s, self.tag = workers, timeout_s, tag
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
        """Wait until every submitted page is extracted and tagged, and kept; return how many were kept."""
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
        from monitor_pipeline.core.tagging.tagger import tag_for_ner_in_parent

        keys: deque[str] = deque()
        extracted: list[tuple[str, ProcessedArticle]] = []
        to_tag: list[ProcessedArticle] = []
        tagging: deque[tuple[list[ProcessedArticle], Future]] = deque()
        try:
            # one connection for the whole fetch (opening one costs ~40 ms); tagging workers start on the
            # first chunk: no process for a fetch with nothing to tag
            with self.connect() as self._conn, \
                    ProcessPoolExecutor(max_workers=self.workers, mp_context=worker_context()) as taggers:
                for article in process_pages(self._inputs(keys), workers=self.workers, timeout_s=self.timeout_s):
                    extracted.append((keys.popleft(), article))
                    if self.tag and is_taggable(article.language, article.status):
                        to_tag.append(article)
                    if len(to_tag) >= TAG_CHUNK:
                        tagging.append((to_tag, taggers.submit(tag_for_ner_in_parent, [cleaned_text(a) for a in to_tag])))
                        to_tag = []
                        while len(tagging) > TAG_CHUNKS_AHEAD:  # extraction waits for the taggers
                            self._keep_tags(*tagging.popleft())
                    if len(extracted) >= KEEP_BATCH:
                        self._keep_extracted(extracted)
                        extracted = []
                    while tagging and tagging[0][1].done():
                        self._keep_tags(*tagging.popleft())
                self._keep_extracted(extracted)
                if to_tag:
                    tagging.append((to_tag, taggers.submit(tag_for_ner_in_parent, [cleaned_text(a) for a in to_tag])))
                while tagging:
                    self._keep_tags(*tagging.popleft())
        except Exception as exc:  # noqa: BLE001 - reported, and the later stages compute instead
            self.error = f"{type(exc).__name__}: {exc}"
            while not self._drained and self._queue.get() is not None:  # let the fetch go on submitting
                pass

    def _keep_extracted(self, batch: list[tuple[str, ProcessedArticle]]) -> None:
        if batch:
            self.kept += page_extractions.save(self._conn, self.day, batch)

    def _keep_tags(self, articles: list[ProcessedArticle], future: Future) -> None:
        results, _ = future.result()  # the worker ran NER itself: no sentence is left for this process
        keyed = [(tagging_key(cleaned_text(a)), a.article_id, r) for a, r in zip(articles, results, strict=True)]
        self.tagged += article_tags.save(self._conn, self.day, keyed)
