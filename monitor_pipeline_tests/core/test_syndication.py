"""MinHash clustering of syndicated copies (original sample texts)."""
import hashlib
import random

import pytest
from datasketch import MinHash

from monitor_pipeline.core.text.syndication import (
    NUM_PERM,
    SEED,
    THRESHOLD,
    assign_clusters,
    shingles,
    signature,
    signature_to_minhash,
    similarity,
)

DISPATCH = """Le constructeur automobile a annoncé jeudi la suppression de 1 150 postes dans ses trois usines de l'est de la France, une décision justifiée par le recul des ventes de véhicules thermiques et par le retard pris sur les modèles électriques.
Les sites de Metz, Mulhouse et Belfort seront les plus touchés. La direction promet qu'aucun départ contraint n'interviendra avant le printemps et que des reclassements seront proposés dans les autres unités du groupe.
Les syndicats ont dénoncé un plan « brutal » et appellent à un premier débrayage lundi matin. Selon eux, la direction a préféré augmenter le dividende versé aux actionnaires plutôt que d'investir dans la modernisation des lignes de production.
Le ministre de l'Industrie a indiqué qu'il recevrait les représentants du personnel la semaine prochaine et qu'il veillerait à ce que les engagements pris lors du dernier plan de relance soient tenus.
Le groupe emploie environ 38 000 personnes en France et avait déjà fermé un centre de recherche en 2022."""

# A regional paper republishes the dispatch: new first sentence, one paragraph dropped.
SYNDICATED = """C'est un nouveau coup dur pour l'industrie lorraine.
Le constructeur automobile a annoncé jeudi la suppression de 1 150 postes dans ses trois usines de l'est de la France, une décision justifiée par le recul des ventes de véhicules thermiques et par le retard pris sur les modèles électriques.
Les sites de Metz, Mulhouse et Belfort seront les plus touchés. La direction promet qu'aucun départ contraint n'interviendra avant le printemps et que des reclassements seront proposés dans les autres unités du groupe.
Les syndicats ont dénoncé un plan « brutal » et appellent à un premier débrayage lundi matin. Selon eux, la direction a préféré augmenter le dividende versé aux actionnaires plutôt que d'investir dans la modernisation des lignes de production.
Le groupe emploie environ 38 000 personnes en France et avait déjà fermé un centre de recherche en 2022. (avec agence)"""

# Same event, independently written.
SAME_TOPIC = """Coup de tonnerre dans l'est de la France : le constructeur va supprimer 1 150 emplois répartis entre Metz, Mulhouse et Belfort.
Pour justifier ce plan, la direction invoque l'effondrement des ventes de voitures thermiques. Elle assure vouloir éviter les départs contraints et proposer des postes ailleurs dans le groupe.
Du côté des syndicats, la colère domine. Ils accusent l'entreprise d'avoir choisi de récompenser ses actionnaires au lieu de moderniser ses usines, et préparent un débrayage dès lundi.
À Bercy, le ministre de l'Industrie doit rencontrer les élus du personnel dans les prochains jours. Le constructeur compte quelque 38 000 salariés dans l'Hexagone."""

UNRELATED = """La start-up nantaise a levé 30 millions d'euros pour développer son assistant de rédaction juridique, déjà utilisé par plus de deux cents cabinets d'avocats en France et en Belgique. Elle prévoit d'ouvrir un bureau à Madrid."""


def test_signature_is_bytes_of_fixed_size_and_deterministic():
    sig = signature(DISPATCH)
    assert isinstance(sig, bytes)
    assert sig == signature(DISPATCH)
    assert signature_to_minhash(sig).jaccard(signature_to_minhash(sig)) == 1.0


def test_ninety_percent_copy_is_well_above_threshold():
    # A byline line added and the last sentence shortened: ~90 % of the text shared.
    lightly_edited = "Mis en ligne par notre rédaction.\n" + DISPATCH.replace(
        "Le groupe emploie environ 38 000 personnes en France et avait déjà fermé un centre de recherche en 2022.",
        "Le groupe emploie 38 000 salariés en France.",
    )
    assert similarity(signature(DISPATCH), signature(lightly_edited)) >= THRESHOLD + 0.25


def test_similarity_measurements():
    copy_score = similarity(signature(DISPATCH), signature(SYNDICATED))
    topic_score = similarity(signature(DISPATCH), signature(SAME_TOPIC))
    assert copy_score >= THRESHOLD + 0.15  # margin above the threshold
    assert topic_score <= THRESHOLD - 0.3  # far below it


def test_near_copy_merges_and_distinct_articles_do_not():
    clusters = assign_clusters(
        [("b-copy", signature(SYNDICATED)), ("a-dispatch", signature(DISPATCH)),
         ("c-topic", signature(SAME_TOPIC)), ("d-other", signature(UNRELATED))],
        [],
    )
    assert clusters == {"a-dispatch": "a-dispatch", "b-copy": "a-dispatch", "c-topic": "c-topic", "d-other": "d-other"}


def test_new_article_joins_known_cluster():
    known = [("old-1", "cluster-x", signature(DISPATCH)), ("old-2", "old-2", signature(UNRELATED))]
    clusters = assign_clusters([("new-1", signature(SYNDICATED)), ("new-2", signature(SAME_TOPIC))], known)
    assert clusters == {"new-1": "cluster-x", "new-2": "new-2"}


def test_order_independence():
    items = [("a", signature(DISPATCH)), ("b", signature(SYNDICATED)), ("c", signature(SAME_TOPIC)), ("d", signature(UNRELATED))]
    expected = assign_clusters(items, [])
    rng = random.Random(7)
    for _ in range(5):
        shuffled = items[:]
        rng.shuffle(shuffled)
        assert assign_clusters(shuffled, []) == expected


def test_empty_texts_never_merge():
    clusters = assign_clusters([("e1", signature("")), ("e2", signature("   "))], [])
    assert clusters == {"e1": "e1", "e2": "e2"}


def test_known_article_keeps_its_cluster():
    assert assign_clusters([("k", signature(DISPATCH))], [("k", "c-1", signature(DISPATCH))]) == {"k": "c-1"}


def test_malformed_signature_is_a_clear_error():
    with pytest.raises(ValueError, match="signature must be"):
        assign_clusters([("x", b"short")], [])


# --------------------------------------------------------------- stable signature values
ODD_TEXT = ("L’IA\u00a0générative — « ChatGPT » d\u2019OpenAI\u200b coûte 1,7\u202fmilliard d’euros.\r\n"
            "Nouvelle   ligne\tet tabulation ŒUVRE ÉTÉ")
SIGNATURE_TEXTS = [DISPATCH, SYNDICATED, SAME_TOPIC, UNRELATED, ODD_TEXT, "Trois mots seulement", "Un", ""]


def plain_datasketch_signature(text: str) -> bytes:
    """The reference: datasketch's MinHash updated shingle by shingle with its default hash."""
    mh = MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")
    for shingle in sorted(shingles(text)):
        mh.update(shingle.encode("utf-8"))
    return mh.hashvalues.astype("<u4").tobytes()


@pytest.mark.parametrize("text", SIGNATURE_TEXTS)
def test_signature_equals_plain_datasketch_update(text: str) -> None:
    assert signature(text) == plain_datasketch_signature(text)


@pytest.mark.parametrize(
    ("text", "sha256"),
    [
        ("Capgemini a annoncé mercredi la suppression de 2 500 postes en France, soit 7 % de ses effectifs, "
         "dans le cadre d'un plan de départs volontaires présenté aux syndicats.",
         "0911a77e96d9600cde6bdc639d64f69b541a9316b103a51dd1a281b41eb6b957"),
        ("Trois mots seulement", "2d48768f340e7e81c5bfee001ad886b9be7ce3a8f64b5e47405739b327b0afed"),
        ("", "9f56cda75fefeab90f6fa5d5ddc9601544b121732c5ecccab32e631060453a5d"),
        (ODD_TEXT, "18e2c223c6b2cc21f33c9eab93de2bd33b295322255d00f349b895d0b8cb02ad"),
    ],
)
def test_signatures_match_those_already_stored(text: str, sha256: str) -> None:
    # digests of signatures computed by the earlier implementation: stored signatures of
    # previous days are compared with new ones, so the bytes must never change
    assert hashlib.sha256(signature(text)).hexdigest() == sha256


def test_shingles_are_the_word_five_grams() -> None:
    words = "le groupe a annoncé la suppression de postes en france".split()
    assert shingles(" ".join(words)) == {" ".join(words[i:i + 5]) for i in range(len(words) - 4)}
    assert shingles("Trois mots seulement") == {"trois mots seulement"}
    assert shingles(" \n ") == set()


def _clusters_with_datasketch_index(new_items, known_items) -> dict[str, str]:
    """The same rule computed with datasketch's own MinHashLSH index (the reference)."""
    from datasketch import MinHashLSH

    from monitor_pipeline.core.text.syndication import NUM_PERM, THRESHOLD, signature_to_minhash

    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    empty = signature(""), None
    cluster_of, hashes, result = {}, {}, {}
    for article_id, cluster_id, sig in sorted(known_items, key=lambda item: item[0]):
        if article_id not in cluster_of:
            cluster_of[article_id] = cluster_id
            if sig != empty[0]:
                hashes[article_id] = signature_to_minhash(sig)
                lsh.insert(article_id, hashes[article_id])
    for article_id, sig in sorted(new_items, key=lambda item: (item[0], item[1])):
        if article_id in result:
            continue
        if article_id in cluster_of:
            result[article_id] = cluster_of[article_id]
            continue
        cluster_id = article_id
        if sig != empty[0]:
            mh = signature_to_minhash(sig)
            scored = [(-float(mh.jaccard(hashes[c])), cluster_of[c]) for c in lsh.query(mh)]
            scored = [key for key in scored if -key[0] >= THRESHOLD]
            if scored:
                cluster_id = min(scored)[1]
            hashes[article_id] = mh
            lsh.insert(article_id, mh)
        cluster_of[article_id] = cluster_id
        result[article_id] = cluster_id
    return result


def test_clusters_match_datasketch_lsh_on_a_mixed_population():
    """Random texts, copies edited to various degrees, chains of copies and empty texts: the
    compact banding index finds the same clusters as datasketch's MinHashLSH."""
    rng = random.Random(5)
    vocabulary = [f"mot{k}" for k in range(3000)]
    originals = [" ".join(rng.choice(vocabulary) for _ in range(150)) for _ in range(60)]
    texts: dict[str, str] = {}
    for k, text in enumerate(originals):
        texts[f"n{k:03d}"] = text
        words = text.split()
        for copy in range(rng.randrange(0, 3)):
            kept = rng.choice((0.95, 0.8, 0.6, 0.4))
            edited = [w if rng.random() < kept else rng.choice(vocabulary) for w in words]
            texts[f"c{k:03d}-{copy}"] = " ".join(edited)
    texts["e1"] = texts["e2"] = ""
    ids = sorted(texts)
    known = [(i, f"cluster-{i}", signature(texts[i])) for i in ids[::4]]
    new = [(i, signature(texts[i])) for i in ids if i not in {k[0] for k in known}]
    new.append((ids[0], signature(texts[ids[0]])))  # an already-known id keeps its cluster
    got = assign_clusters(new, known)
    assert got == _clusters_with_datasketch_index(new, known)
    assert sum(1 for a, c in got.items() if a != c) >= 10, "the population must hold near-duplicates"
