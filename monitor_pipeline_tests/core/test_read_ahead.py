"""read_ahead: the worker pools' input read by a thread of its own, in order, errors raised where they
happened, and the reader stopped when the consumer stops."""
import threading
import time

import pytest

from monitor_pipeline.core.text.workers import read_ahead


def test_items_come_in_order_and_the_reader_runs_ahead_up_to_size():
    produced = []

    def source():
        for i in range(20):
            produced.append(i)
            yield i

    items = read_ahead(source(), size=4)
    assert next(items) == 0
    deadline = time.monotonic() + 10
    while len(produced) < 6 and time.monotonic() < deadline:  # 1 taken, 4 queued, 1 waiting to be put
        time.sleep(0.01)
    assert 5 <= len(produced) <= 6  # ahead of the consumer, but never more than the buffer allows
    assert [0, *items] == list(range(20))


def test_an_error_is_raised_at_the_item_where_it_happened():
    def source():
        yield "a"
        yield "b"
        raise OSError("the page store is gone")

    got = []
    with pytest.raises(OSError, match="page store is gone"):
        for item in read_ahead(source(), size=8):
            got.append(item)
    assert got == ["a", "b"]


def test_stopping_early_stops_the_reader():
    closed = threading.Event()

    def source():
        try:
            for i in range(10_000):
                yield i
        finally:
            closed.set()

    items = read_ahead(source(), size=2)
    assert next(items) == 0
    items.close()
    assert not any(t.name == "read-ahead" and t.is_alive() for t in threading.enumerate())
    assert closed.wait(timeout=10)  # the source was left, its cleanup ran


def test_the_buffer_size_is_checked():
    with pytest.raises(ValueError, match="at least 1"):
        list(read_ahead(iter([1]), size=0))
