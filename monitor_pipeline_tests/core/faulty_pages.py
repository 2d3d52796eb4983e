"""Pages that hang or crash the worker processing them, for the tests of the extraction workers: a stand-in
for ``process_page`` that the tests hand to ``process_pages`` (workers receive it by reference)."""
from __future__ import annotations

import os
import time

from monitor_pipeline.core.text.article_processing import PageInput, ProcessedArticle, process_page

HANG_MARKER = b"<!--test:hang-->"  # the page sleeps for an hour: a document that hangs the extractor
CRASH_MARKER = b"<!--test:crash-->"  # the page kills its process: a crash in native code


def process_or_fail(page: PageInput) -> ProcessedArticle:
    if page.body.startswith(HANG_MARKER):
        time.sleep(3600)
    if page.body.startswith(CRASH_MARKER):
        os._exit(3)
    return process_page(page)
