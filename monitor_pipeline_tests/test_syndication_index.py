"""build_articles finds syndicated copies in DuckDB (storage.syndication_index + syndication.resolve_candidates):
the same copies as the in-memory ``assign_clusters``, on a mixed population with known articles."""
from __future__ import annotations

import random

import duckdb
import pytest

from monitor_pipeline.core.text.syndication import assign_clusters, signature
from monitor_pipeline.stages import articles
from monitor_pipeline.storage import syndication_index, warehouse

DAY = "2026-03-02"


def _population(seed: int) -> dict[str, str]:
    rng = random.Random(seed)
    vocabulary = [f"mot{k}" for k in range(3000)]
    texts: dict[str, str] = {}
    for k in range(80):
        words = [rng.choice(vocabulary) for _ in range(150)]
        texts[f"n{k:03d}"] = " ".join(words)
        for copy in range(rng.randrange(0, 4)):
            kept = rng.choice((0.95, 0.8, 0.6, 0.4))
            texts[f"c{k:03d}-{copy}"] = " ".join(w if rng.random() < kept else rng.choice(vocabulary) for w in words)
    texts["e1"] = texts["e2"] = ""
    return texts


def _spool_with(new: list[tuple[str, bytes | None]], known: list[tuple[str, str, bytes]], tmp_path) -> duckdb.DuckDBPyConnection:
    source = duckdb.connect(str(tmp_path / "w.duckdb"))
    source.execute(f"CREATE TABLE articles ({warehouse.TABLES['articles']})")
    source.executemany("INSERT INTO articles (article_id, partition_day, cluster_id, signature) VALUES (?, ?, ?, ?)",
                       [(a, "2026-02-27", c, s) for a, c, s in known]
                       + [("other-day", "2026-01-01", "x", signature("old"))])  # outside the 14 days
    spool = duckdb.connect(str(tmp_path / "spool.duckdb"))
    spool.execute(f"CREATE TABLE articles ({warehouse.TABLES['articles']})")
    spool.executemany("INSERT INTO articles (article_id, partition_day, cluster_id, signature) VALUES (?, ?, ?, ?)",
                      [(a, DAY, a, s) for a, s in new])
    syndication_index.copy_known_signatures(source, spool, DAY, "2026-02-16")
    source.close()
    return spool


@pytest.mark.parametrize("seed", [5, 11])
def test_copies_found_in_duckdb_equal_assign_clusters(tmp_path, seed, monkeypatch):
    monkeypatch.setattr(syndication_index, "COPY_BATCH_ROWS", 7)  # several batches
    monkeypatch.setattr(syndication_index, "FETCH_ROWS", 3)
    texts = _population(seed)
    ids = sorted(texts)
    known = [(i, f"cluster-{i}", signature(texts[i])) for i in ids[::4]]
    known_ids = {k[0] for k in known}
    new = [(i, signature(texts[i])) for i in ids if i not in known_ids]
    new.append((ids[0], signature(texts[ids[0]])))  # an already-known id keeps its known cluster
    new.append(("no-signature", None))
    spool = _spool_with(new, known, tmp_path)
    expected = {a: c for a, c in assign_clusters([n for n in new if n[1]], known).items() if a != c}
    assert articles.syndicated_copies(spool) == expected
    assert len(expected) >= 10 and ids[0] in expected


def test_a_malformed_known_signature_is_a_clear_error(tmp_path):
    spool = _spool_with([("a", signature("un texte"))], [("b", "b", b"short")], tmp_path)
    with pytest.raises(ValueError, match="512 bytes"):
        articles.syndicated_copies(spool)
