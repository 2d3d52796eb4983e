"""Group syndicated copies of an article (agency dispatches, reposts) with MinHash LSH.

Each text becomes the set of its word 5-shingles (lower-cased words of the normalized text);
a 128-permutation MinHash estimates the Jaccard similarity of two sets, and LSH banding (the
bands and rows datasketch's MinHashLSH picks for ``THRESHOLD``) finds candidates whose similarity
is probably above it; candidates are then verified with the MinHash estimate itself, so LSH false
positives never merge.

Why these values (measured in monitor_pipeline_tests/core/test_syndication.py):

* ``SHINGLE_SIZE = 5`` words: short enough that a copy with a rewritten headline, a different
  intro sentence or an added paragraph keeps most shingles; long enough that two distinct
  articles on the same story (same names, figures and stock phrases) share few 5-word runs.
* ``THRESHOLD = 0.5``: a copy sharing ~90 % of its text with the original has a shingle
  Jaccard around 0.75-0.9; distinct same-topic articles stay below 0.1. 0.5 sits in the wide
  gap between both, tolerating heavier edits (a different lead and ending) without merging
  independent write-ups.
* ``NUM_PERM = 128``: the estimate's standard error is about 1/sqrt(128) ≈ 0.09 — enough to
  separate 0.8 from 0.1 — for 512 bytes per signature.
"""
from __future__ import annotations

import functools
import inspect
import re
from hashlib import sha1
from typing import Iterable, Sequence

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from monitor_pipeline.core.text.clean import normalize_for_matching

SHINGLE_SIZE = 5
NUM_PERM = 128
THRESHOLD = 0.5
SEED = 1

# datasketch >= 2 names its hashing schemes; "affine32" (its default) stores uint32 values.
# Older versions only know the "legacy" scheme, stored as uint64. Signatures are therefore
# tied to the datasketch major version that produced them.
if "scheme" in inspect.signature(MinHash.__init__).parameters:
    _MINHASH_KWARGS: dict[str, str] = {"scheme": "affine32"}
    _DTYPE = np.dtype("<u4")
else:  # pragma: no cover - datasketch 1.x
    _MINHASH_KWARGS = {}
    _DTYPE = np.dtype("<u8")
VALUE_BYTES = _DTYPE.itemsize
SIGNATURE_BYTES = _SIGNATURE_BYTES = NUM_PERM * VALUE_BYTES
_EMPTY_HASH_VALUE = (1 << 32) - 1  # initial value of every slot (nothing hashed)
EMPTY_SIGNATURE = np.full(NUM_PERM, _EMPTY_HASH_VALUE, dtype=_DTYPE).tobytes()  # the signature of an empty text
_WORD = re.compile(r"\w+")


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[str]:
    """Word n-grams of the normalized, lower-cased text (one shingle if it is shorter)."""
    words = _WORD.findall(normalize_for_matching(text).lower())
    if not words:
        return set()
    if len(words) < size:
        return {" ".join(words)}
    return set(map(" ".join, zip(*(words[i:] for i in range(size)))))


@functools.cache
def _empty_minhash() -> MinHash:
    """MinHash of nothing, with the permutations drawn once (copied for each text).

    Its hash function is the identity: ``minhash`` feeds it the shingles' ``sha1_hash32``
    values, computed in bulk.
    """
    return MinHash(num_perm=NUM_PERM, seed=SEED, hashfunc=int, **_MINHASH_KWARGS)


def _sha1_hash32(items: Iterable[str]) -> list[int]:
    """datasketch's default hash (``sha1_hash32``) of each item's UTF-8 bytes.

    The first 4 bytes of each SHA-1 digest, read as little-endian uint32 in one numpy call.
    """
    digests = b"".join([sha1(item.encode("utf-8")).digest()[:4] for item in items])
    return np.frombuffer(digests, dtype="<u4").tolist()


def minhash(text: str) -> MinHash:
    """MinHash of the text's shingles: the same hash values as ``MinHash.update(shingle.encode())``
    for each shingle with the default hash function (checked by the tests)."""
    mh = _empty_minhash().copy()
    mh.update_batch(_sha1_hash32(shingles(text)))
    return mh


def signature(text: str) -> bytes:
    """Serialized MinHash hash values (NUM_PERM little-endian uint32 = 512 bytes) for storage."""
    return minhash(text).hashvalues.astype(_DTYPE).tobytes()


def signature_to_minhash(sig: bytes) -> MinHash:
    """Rebuild a MinHash from ``signature`` bytes; ValueError on a malformed value."""
    values = _signature_values(sig)
    # LeanMinHash: the hash values only, without the 2 x NUM_PERM permutation parameters a MinHash
    # draws for itself (0.5 ms and ~2 KB each; clustering 20,000 articles held 200 MB and took 12 s).
    return LeanMinHash(seed=SEED, hashvalues=values, **_MINHASH_KWARGS)


def similarity(sig_a: bytes, sig_b: bytes) -> float:
    """Estimated Jaccard similarity of two signatures (0.0 when either text was empty)."""
    a, b = signature_to_minhash(sig_a), signature_to_minhash(sig_b)
    if _is_empty(a) or _is_empty(b):
        return 0.0
    return float(a.jaccard(b))


#: datasketch's optimal banding for THRESHOLD and NUM_PERM (25 bands of 5 rows with datasketch 2).
_BANDING = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
BANDS, ROWS = _BANDING.b, _BANDING.r


def _signature_values(sig: bytes) -> np.ndarray:
    """The hash values of ``signature`` bytes; ValueError on a malformed value."""
    if not isinstance(sig, (bytes, bytearray, memoryview)):
        raise ValueError(f"signature must be bytes, got {type(sig).__name__}")
    if len(sig) != _SIGNATURE_BYTES:
        raise ValueError(
            f"signature must be {_SIGNATURE_BYTES} bytes ({NUM_PERM} hash values), got {len(sig)}"
        )
    return np.frombuffer(bytes(sig), dtype=_DTYPE)


def _shared_buckets(values: np.ndarray) -> dict[int, set[int]]:
    """For each row of ``values`` sharing an LSH bucket with another row: the rows it shares one with.

    Banding as datasketch's MinHashLSH (BANDS bands of ROWS hash values, a bucket per distinct
    band), computed with one sort per band instead of a Python set per bucket: most buckets hold
    one article, and datasketch's index of 20,000 articles held 157 MB where this holds a few."""
    neighbours: dict[int, set[int]] = {}
    if len(values) < 2:
        return neighbours
    band_type = np.dtype((np.void, ROWS * values.dtype.itemsize))
    for band in range(BANDS):
        keys = np.ascontiguousarray(values[:, band * ROWS:(band + 1) * ROWS]).view(band_type).ravel()
        _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
        shared = np.flatnonzero(counts[inverse] > 1)
        members: dict[int, list[int]] = {}
        for row in shared.tolist():
            members.setdefault(int(inverse[row]), []).append(row)
        for group in members.values():
            for row in group:
                neighbours.setdefault(row, set()).update(group)
    for row, rows in neighbours.items():
        rows.discard(row)
    return neighbours


def assign_clusters(
    new_items: Sequence[tuple[str, bytes]],
    known_items: Sequence[tuple[str, str, bytes]],
) -> dict[str, str]:
    """Assign a cluster id to each new article.

    ``new_items``: (article_id, signature); ``known_items``: (article_id, cluster_id, signature)
    from earlier partitions. A new article joins the cluster of its most similar near-duplicate
    (known, or new and processed before it), ties broken by cluster id; otherwise its cluster
    id is its own article id. New articles are processed in article_id order, so the result
    does not depend on input order. An article id already known keeps its known cluster.
    Articles with an empty text (empty MinHash) never join or attract anyone.

    Near-duplicate candidates are those sharing an LSH band (as with datasketch's MinHashLSH),
    verified with the MinHash Jaccard estimate, so LSH false positives never merge.
    """
    cluster_of: dict[str, str] = {}
    indexed_ids: list[str] = []  # indexed (non-empty) articles, in processing order
    indexed_values: list[np.ndarray] = []
    for article_id, cluster_id, sig in sorted(known_items, key=lambda item: item[0]):
        if article_id in cluster_of:
            continue
        values = _signature_values(sig)
        cluster_of[article_id] = cluster_id
        if not _is_empty_values(values):
            indexed_ids.append(article_id)
            indexed_values.append(values)
    pending: list[str] = []  # new articles, in processing order
    seen: set[str] = set()
    new_values: dict[str, np.ndarray] = {}
    for article_id, sig in sorted(new_items, key=lambda item: (item[0], bytes(item[1]))):
        if article_id in seen:
            continue
        seen.add(article_id)
        pending.append(article_id)
        if article_id in cluster_of:
            continue
        values = _signature_values(sig)
        if not _is_empty_values(values):
            new_values[article_id] = values
            indexed_ids.append(article_id)
            indexed_values.append(values)
    matrix = np.vstack(indexed_values) if indexed_values else np.zeros((0, NUM_PERM), _DTYPE)
    del indexed_values
    position = {article_id: k for k, article_id in enumerate(indexed_ids)}
    neighbours = _shared_buckets(matrix)

    result: dict[str, str] = {}
    for article_id in pending:
        if article_id in cluster_of:
            result[article_id] = cluster_of[article_id]
            continue
        cluster_id = article_id
        if article_id in new_values:
            me = position[article_id]
            best: tuple[float, str] | None = None
            for other in neighbours.get(me, ()):
                if other > me:
                    continue  # not indexed yet when this article is processed
                score = float(np.count_nonzero(matrix[me] == matrix[other])) / NUM_PERM
                if score < THRESHOLD:
                    continue  # LSH false positive
                key = (-score, cluster_of[indexed_ids[other]])
                if best is None or key < best:
                    best = key
            if best is not None:
                cluster_id = best[1]
        cluster_of[article_id] = cluster_id
        result[article_id] = cluster_id
    return result


def _is_empty_values(values: np.ndarray) -> bool:
    return bool(np.all(values == _EMPTY_HASH_VALUE))


def _is_empty(mh: MinHash) -> bool:
    return _is_empty_values(mh.hashvalues)


def resolve_candidates(indexed: Iterable[tuple[int, str, bool, str, bytes]],
                       pair_batches: Iterable[Sequence[tuple[int, int]]]) -> dict[str, str]:
    """The syndicated copies among new articles: article_id → cluster_id of each new article that joins
    another's cluster, as ``assign_clusters`` decides it, from LSH candidates found elsewhere.

    ``indexed``: (k, article_id, is_new, cluster_id, signature) for k = 1, 2, … in processing order
    (known articles first, then new ones by article_id); ``pair_batches``: batches of (k of a new
    article, k of an article before it sharing an LSH band with it), ordered by the first k (see
    ``storage.syndication_index``). Held here: the signatures as one array (512 bytes each), the ids,
    and the copies found; the candidates are verified a batch at a time."""
    names: list[str] = []
    known_clusters: list[str] = []
    signatures = bytearray()
    for k, article_id, is_new, cluster_id, sig in indexed:
        if k != len(names) + 1 or (not is_new and len(known_clusters) != len(names)):
            raise ValueError("indexed signatures must be ranked 1, 2, … with the known ones first")
        names.append(article_id)
        signatures += _signature_values(sig).tobytes()
        if not is_new:
            known_clusters.append(cluster_id)
    matrix = np.frombuffer(signatures, dtype=_DTYPE).reshape(-1, NUM_PERM)
    copies: dict[str, str] = {}
    current, best = 0, None

    def settle() -> None:
        if best is not None and best[1] != names[current]:
            copies[names[current]] = best[1]

    for batch in pair_batches:
        pairs = np.asarray(batch, dtype=np.int64).reshape(-1, 2) - 1  # ranks → rows
        scores = np.count_nonzero(matrix[pairs[:, 0]] == matrix[pairs[:, 1]], axis=1) / NUM_PERM
        for (me, other), score in zip(pairs.tolist(), scores.tolist()):
            if me != current:
                settle()
                current, best = me, None
            if score < THRESHOLD:
                continue  # LSH false positive
            cluster = known_clusters[other] if other < len(known_clusters) else copies.get(names[other], names[other])
            key = (-score, cluster)
            if best is None or key < best:
                best = key
    settle()
    return copies
