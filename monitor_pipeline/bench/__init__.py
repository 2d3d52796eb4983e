"""Benchmark harness (``make bench``; not part of the tests): a synthetic corpus served on many
loopback addresses, the pipeline against its floor and against an obvious implementation, polling,
memory per page, analysts' queries, search and launched-run overhead. See docs/BENCHMARKS.md."""
