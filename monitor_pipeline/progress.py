"""A progress bar for long command-line work (a poll of hundreds of feeds, the benchmarks), drawn on
stderr only when stderr is a terminal: piped or logged output stays clean."""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO


@contextmanager
def progress(total: int, description: str, stream: TextIO | None = None) -> Iterator[Callable[..., None]]:
    """Yields ``advance(steps=1)``; the bar disappears when the block ends."""
    stream = stream if stream is not None else sys.stderr
    if total <= 0 or not stream.isatty():
        yield lambda steps=1: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=stream, force_terminal=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda steps=1: bar.advance(task, steps)  # rich's Progress is thread-safe
