"""The storage layer: the DuckDB warehouse (schema, connections, partition writes, the analysts' copy),
its read-only queries, the raw page store, the stages' spools and the full-text search index."""
