"""The multiprocessing context of the pipeline's worker processes: a forkserver that warms up once.

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
import os
import threading

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
