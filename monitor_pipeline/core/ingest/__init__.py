"""Fetching and reading feeds: HTTP with its guards, feed parsing, feed identity and polling state, the registry."""
