"""Progress bars show on a terminal and stay out of piped output."""
import io

from monitor_pipeline.progress import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_quiet_when_not_a_terminal():
    stream = io.StringIO()
    with progress(3, "polling feeds", stream=stream) as advance:
        for _ in range(3):
            advance()
    assert stream.getvalue() == ""


def test_drawn_on_a_terminal():
    stream = Terminal()
    with progress(3, "polling feeds", stream=stream) as advance:
        for _ in range(3):
            advance()
    assert "polling feeds" in stream.getvalue() and "3/3" in stream.getvalue()
