"""Two learned components on top of the rule-based tagger (tagger-2.7 uses the first), trained on the
dev split only by ``eval/train_learned_trigger.py``; the model is ``data/learned_trigger.json`` (a few KB
of logistic-regression weights, reproduced by that script).

* ``LearnedAgents`` (kept by cross-validation on dev): in a sentence where the tagger found a company's
  layoff mention, each company named there without a mention of its own, and each capitalized name no
  company covers (not the sentence's first word, not ruled out by the precision guards), is scored "one
  more agent of these layoffs" from its neighbouring words, the words between it and the nearest
  trigger, and whether it is listed with an attributed name (``agent_features``). A flagged name gets a
  copy of the nearest mention (same status), with the headcount of its own list segment; a new name
  becomes an unknown company. This reads list members the parse leaves out ("Valeo supprime 1 320
  postes, Forvia 580, et Stellantis encore 400") without a list shape of its own.
* ``LearnedTriggers`` (trained, but cross-validation on dev keeps it off: ``"sentence": null``): for a
  sentence with no lexicon or lemma-family trigger that names a quantified job noun, a sentence
  classifier (words, prefixes, word pairs, mean spaCy word vector) "reports a layoff by a company"; a
  flagged sentence is parsed and the verb governing its job noun becomes a trigger for the existing parse
  reading (agent, status, headcount).

On by default since tagger-2.7 (its held-out gain, eval/README.md "tagger-2.7"); ``Tagger(learned=False)``
or ``MONITOR_PIPELINE_LEARNED=0`` turns them off. Figures in eval/README.md, "Prototype: learned
components (trained on dev)" and "tagger-2.7".
"""
from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

from monitor_pipeline.core.tagging.gates import fold_case
from monitor_pipeline.core.tagging.lemma_triggers import LemmaTriggers, _phrase, _quantified

__all__ = ["DEFAULT_MODEL", "LearnedTriggers", "features", "sentence_vector"]

DEFAULT_MODEL = Path(__file__).resolve().parents[2] / "data" / "learned_trigger.json"

_WORD = re.compile(r"[^\W\d_]+|\d+(?:[\s\u00a0\u202f.,]\d+)*", re.UNICODE)


def _tokens(sentence: str) -> list[str]:
    """Lowercased words; numbers as ``<num>``, capitalized words after the first as ``<cap>`` (names are
    not what a layoff sentence is recognised by)."""
    out = []
    for i, m in enumerate(_WORD.finditer(sentence)):
        w = m.group(0)
        if w[0].isdigit():
            out.append("<num>")
        elif i > 0 and w[0].isupper():
            out.append("<cap>")
        else:
            out.append(w.lower())
    return out


def features(sentence: str) -> set[str]:
    """Sparse binary features of a sentence: words, 5-letter prefixes of longer words, word pairs."""
    toks = _tokens(sentence)
    feats = {f"w:{t}" for t in toks}
    feats.update(f"p:{t[:5]}" for t in toks if len(t) > 5 and not t.startswith("<"))
    feats.update(f"b:{a}_{b}" for a, b in zip(toks, toks[1:]))
    return feats


def sentence_vector(sentence: str, vocab: Any) -> list[float]:
    """Mean word vector (unit length) of the sentence's lowercase words in ``vocab`` (spaCy's; looked up
    by hash, so no string is added to the vocabulary)."""
    import numpy as np

    vectors = vocab.vectors
    rows = []
    for t in _tokens(sentence):
        if t.startswith("<") or len(t) < 3:
            continue
        row = vectors.key2row.get(vocab.strings[t]) if t in vocab.strings else None
        if row is not None and row >= 0:
            rows.append(row)
    if not rows:
        return []
    acc = np.asarray(vectors.data[rows]).mean(axis=0)
    norm = float(np.linalg.norm(acc)) or 1.0
    return [float(x) / norm for x in acc]


class LearnedTriggers:
    """The trained sentence classifier and the trigger it builds from a flagged sentence's parse."""

    def __init__(self, lemma_triggers: LemmaTriggers, model: dict[str, Any]) -> None:
        self.lemma_triggers = lemma_triggers
        self.weights: dict[str, float] = model["sparse"]
        self.dense: list[float] = model.get("dense") or []
        self.bias: float = model["bias"]
        self.threshold: float = model["threshold"]
        self._vocab: Any = None

    def may_hold(self, sentence: str) -> bool:
        """Cheap gate: a quantified job noun (the lemma families' own test)."""
        job = self.lemma_triggers._job_in_text
        return job is not None and job.search(fold_case(sentence)) is not None

    def vocab(self) -> Any:
        if self._vocab is None and self.dense:
            from monitor_pipeline.core.tagging.syntax.parsing import load_parser
            self._vocab = load_parser().vocab
        return self._vocab

    def score(self, sentence: str) -> float:
        z = self.bias + sum(self.weights.get(f, 0.0) for f in features(sentence))
        if self.dense:
            vec = sentence_vector(sentence, self.vocab())
            z += sum(w * x for w, x in zip(self.dense, vec))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def flagged(self, sentences: Iterable[str]) -> list[str]:
        return [s for s in sentences if self.may_hold(s) and self.score(s) >= self.threshold]

    def find(self, doc: Any) -> list[tuple[int, int, str]]:
        """The trigger of a flagged sentence: the verb governing its first quantified job noun, spanning to
        the noun's phrase (as a lemma-family trigger does), or nothing when no verb governs one."""
        for tok in doc:
            if tok.pos_ not in ("NOUN", "PROPN") or self.lemma_triggers._job is None \
                    or not self.lemma_triggers._job.fullmatch(tok.text) or not _quantified(tok):
                continue
            verb = tok.head
            for _ in range(4):
                if verb.pos_ in ("VERB", "AUX") or verb.dep_ == "ROOT":
                    break
                verb = verb.head
            if verb.pos_ not in ("VERB", "AUX") or verb.i == tok.i:
                continue
            tokens = [verb, *_phrase(tok)] if tok.i > verb.i else [verb]
            start = min(t.idx for t in tokens)
            end = max(t.idx + len(t.text) for t in tokens)
            return [(start, end, f"learned:{verb.lemma_.lower()}")]
        return []


def train(examples: Sequence[tuple[set[str], list[float], int]], l2: float = 1e-3, epochs: int = 60,
          lr: float = 0.5, min_count: int = 2) -> dict[str, Any]:
    """A logistic regression (full-batch gradient descent, numpy) over sparse binary and dense features."""
    import numpy as np

    counts: dict[str, int] = {}
    for feats, _, _ in examples:
        for f in feats:
            counts[f] = counts.get(f, 0) + 1
    names = sorted(f for f, c in counts.items() if c >= min_count)
    index = {f: i for i, f in enumerate(names)}
    dim = max((len(v) for _, v, _ in examples), default=0)
    n = len(examples)
    xs = np.zeros((n, len(names) + dim), dtype=np.float32)
    y = np.array([lab for _, _, lab in examples], dtype=np.float32)
    for r, (feats, vec, _) in enumerate(examples):
        for f in feats:
            if f in index:
                xs[r, index[f]] = 1.0
        if vec:
            xs[r, len(names):] = vec
    w = np.zeros(xs.shape[1], dtype=np.float32)
    b = 0.0
    pos = max(1.0, y.sum())
    neg = max(1.0, n - y.sum())
    sw = np.where(y > 0, n / (2 * pos), n / (2 * neg)).astype(np.float32)  # balanced classes
    for _ in range(epochs * 10):
        p = 1.0 / (1.0 + np.exp(-(xs @ w + b)))
        g = (p - y) * sw
        w -= lr * (xs.T @ g / n + l2 * w)
        b -= lr * float(g.mean())
    sparse = {f: round(float(w[i]), 4) for f, i in index.items() if abs(w[i]) >= 1e-3}
    dense = [round(float(x), 4) for x in w[len(names):]]
    return {"sparse": sparse, "dense": dense, "bias": round(b, 4), "threshold": 0.5}


# --------------------------------------------------------------------------- agents (list members)
_TOKEN = re.compile(r"\w+(?:['’]\w+)?|[^\w\s]", re.UNICODE)


def _context_tokens(text: str) -> list[str]:
    out = []
    for m in _TOKEN.finditer(text):
        w = m.group(0)
        out.append("<num>" if w[0].isdigit() else "<cap>" if w[0].isupper() else w.lower())
    return out


def agent_features(sentence: str, base: int, cand: Any, mentions: Sequence[Any], names: Sequence[Any]) -> set[str]:
    """Sparse features of one company name ``cand`` of a sentence holding layoff ``mentions`` (none of them
    its own): its neighbouring words, where it stands against the mentions' triggers and names, how it was
    found. ``names``: the sentence's company mentions (offsets in the text; ``base`` is the sentence's)."""
    cs, ce = cand.start - base, cand.end - base
    left = _context_tokens(sentence[max(0, cs - 60):cs])[-3:]
    right = _context_tokens(sentence[ce:ce + 60])[:3]
    f = {f"via:{cand.via}", f"known:{cand.known}", f"n_mentions:{min(len(mentions), 3)}"}
    f.update(f"L{len(left) - i}:{w}" for i, w in enumerate(left))
    f.update(f"R{i + 1}:{w}" for i, w in enumerate(right))
    if left:
        f.add(f"L1R1:{left[-1]}_{right[0] if right else '<end>'}")
    attributed = {m.company_id for m in mentions}
    near = min(mentions, key=lambda m: abs((m.trigger_start - base if m.trigger_start >= 0 else 0) - cs))
    ts = near.trigger_start - base if near.trigger_start >= 0 else -1
    if ts >= 0:
        side = "before" if ce <= ts else "after"
        between = _context_tokens(sentence[ce:ts] if side == "before" else sentence[near.trigger_end - base:cs])
        f.add(f"trig:{side}:{min(len(between), 6)}")
        f.update(f"between:{w}" for w in between)  # "tandis que", "selon", "qui", ":" between it and the trigger
    f.add(f"status:{near.status}")
    # a name of the same list as an attributed one: only commas, "et", "ou", numbers between them
    for other in names:
        if other.company_id not in attributed or other is cand:
            continue
        a, b = (other.end - base, cs) if other.end <= cand.start else (ce, other.start - base)
        between = _context_tokens(sentence[a:b])
        if len(between) <= 6 and all(w in (",", "et", "ou", "<num>", "(", ")", "%", "à", "chez", "de", "d") for w in between):
            f.add("listed_with_attributed:" + ("after" if other.end <= cand.start else "before"))
    return f


class LearnedAgents:
    """A logistic regression deciding whether a company named in a sentence that holds layoff
    mentions, but none of its own, is one more agent of them (a list member the parse did not attach)."""

    def __init__(self, model: dict[str, Any]) -> None:
        self.weights: dict[str, float] = model["sparse"]
        self.bias: float = model["bias"]
        self.threshold: float = model["threshold"]

    def score(self, feats: Iterable[str]) -> float:
        z = self.bias + sum(self.weights.get(f, 0.0) for f in feats)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


#: a capitalized name of up to four words (the list reader's own shape, ``listed_companies._LIST_NAME``)
_NAME = re.compile(r"(?<![\w'’])[A-ZÀ-ÖØ-Þ][\w&'’.-]*(?:\s+(?:[A-ZÀ-ÖØ-Þ][\w&'’.-]*|&)){0,3}")


def _new_names(text: str, s: int, e: int, companies: Sequence[Any]) -> Iterator[Any]:
    """Capitalized names of a sentence that no company mention covers, as unknown company mentions (not
    the sentence's first word, not a name the precision guards rule out)."""
    from monitor_pipeline.core.tagging.companies import CompanyMention
    from monitor_pipeline.core.tagging.org_candidates import company_slug, is_non_company

    sentence = text[s:e]
    for m in _NAME.finditer(sentence):
        a, b = m.span()
        name = m.group(0).rstrip(".-'’")
        b = a + len(name)
        if a == 0 or not name or any(c.start < s + b and s + a < c.end for c in companies):
            continue
        if is_non_company(name, sentence, a):
            continue
        cid = company_slug(name)
        if cid:
            yield CompanyMention(cid, name, name, s + a, s + b, "learned", known=False)


def agent_candidates(text: str, spans: Sequence[tuple[int, int]], companies: Sequence[Any],
                     layoffs: Sequence[Any], training: bool = False) -> Iterator[tuple[int, Any, list[Any], list[Any]]]:
    """(sentence index, candidate name, the sentence's other mentions, the sentence's names) for each
    company named in a sentence with a company's layoff mention, when that company has no mention in the
    article, and for each capitalized name no company covers there (a new unknown company).
    ``training``: every name of such a sentence, with the mentions of the others as context."""
    with_mention = {l.company_id for l in layoffs}
    for k, (s, e) in enumerate(spans):
        in_sentence = [l for l in layoffs if l.company_id is not None and s <= l.trigger_start < e]
        if not in_sentence:
            continue
        names = [m for m in companies if s <= m.start < e]
        seen: set[str] = set()
        for m in [*names, *_new_names(text, s, e, companies)]:
            if m.company_id in seen or (m.company_id in with_mention and not training):
                continue
            seen.add(m.company_id)
            mentions = [l for l in in_sentence if l.company_id != m.company_id]
            if mentions:
                yield k, m, mentions, names
