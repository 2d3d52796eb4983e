"""The raw page store: content-addressed, compressed, atomic, beside the warehouse file; and the move of
pages that older warehouses kept inside DuckDB."""
from __future__ import annotations

import hashlib
import zlib

import duckdb
import pytest

from monitor_pipeline.storage import warehouse
from monitor_pipeline.storage.page_store import PageStore, PageStoreError

PAGE = "<html><body><p>Licenciements chez Exemple SA : 120 postes supprimés.</p></body></html>".encode()


def test_a_page_round_trips_once_per_content(tmp_path):
    store = PageStore(tmp_path / "pages")
    digest = store.put(PAGE)
    assert digest == hashlib.sha256(PAGE).hexdigest()
    assert store.get(digest) == PAGE
    assert store.put(PAGE, digest) == digest
    files = [p for p in (tmp_path / "pages").rglob("*") if p.is_file()]
    assert files == [store.path_for(digest)]
    assert len(files[0].read_bytes()) < len(PAGE) + 20  # compressed (tiny page: about the same size)


def test_concurrent_puts_store_every_body_once(tmp_path):
    """fetch_pages stores bodies from several threads; a syndicated copy may arrive twice at once."""
    from concurrent.futures import ThreadPoolExecutor

    store = PageStore(tmp_path)
    bodies = [f"<p>page {i % 20}</p>".encode() * 500 for i in range(60)]  # each body three times
    with ThreadPoolExecutor(max_workers=4) as pool:
        digests = list(pool.map(store.put, bodies))
    assert digests == [hashlib.sha256(b).hexdigest() for b in bodies]
    assert all(store.get(d) == b for d, b in zip(digests, bodies))
    assert len([p for p in tmp_path.rglob("*.html.z")]) == 20
    assert not list(tmp_path.rglob(".tmp-*"))


def test_bad_keys_and_bad_files_get_clear_errors(tmp_path):
    store = PageStore(tmp_path)
    with pytest.raises(ValueError, match="SHA-256"):
        store.get("../../etc/passwd")
    with pytest.raises(ValueError, match="does not match"):
        store.put(PAGE, "0" * 64)
    missing = hashlib.sha256(b"never stored").hexdigest()
    assert not store.has(missing)
    with pytest.raises(PageStoreError, match="is not in"):
        store.get(missing)
    digest = store.put(PAGE)
    store.path_for(digest).write_bytes(b"not zlib")
    with pytest.raises(PageStoreError, match="damaged"):
        store.get(digest)
    store.path_for(digest).write_bytes(zlib.compress(b"other bytes"))
    with pytest.raises(PageStoreError, match="does not match"):
        store.get(digest)


def test_the_store_lives_beside_the_database_file(tmp_path):
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    assert warehouse.page_store(conn).root == tmp_path / "warehouse.pages"
    with pytest.raises(ValueError, match="database file"):
        warehouse.page_store(duckdb.connect(":memory:"))


def test_pages_kept_in_an_older_warehouse_move_to_the_store(tmp_path):
    conn = duckdb.connect(str(tmp_path / "warehouse.duckdb"))
    conn.execute("""CREATE TABLE article_pages (entry_id VARCHAR PRIMARY KEY, partition_day DATE NOT NULL,
        url VARCHAR, final_url VARCHAR, status VARCHAR, http_status INTEGER, content_type VARCHAR, bytes BIGINT,
        truncated BOOLEAN, content_sha256 VARCHAR, html_zlib BLOB, fetched_at TIMESTAMPTZ, attempts INTEGER,
        error VARCHAR)""")
    bodies = {f"e{i}": f"<html><p>article {i}</p></html>".encode() for i in range(450)}
    for entry_id, body in bodies.items():
        conn.execute("INSERT INTO article_pages (entry_id, partition_day, status, content_sha256, html_zlib) "
                     "VALUES (?, '2026-01-05', 'ok', ?, ?)", [entry_id, hashlib.sha256(body).hexdigest(),
                                                               zlib.compress(body)])
    warehouse.ensure_schema(conn)
    assert [r[0] for r in conn.execute("DESCRIBE article_pages").fetchall()] == warehouse.columns("article_pages")
    store = warehouse.page_store(conn)
    assert all(store.get(hashlib.sha256(b).hexdigest()) == b for b in bodies.values())
    assert conn.execute("SELECT count(*) FROM article_pages").fetchone() == (450,)
