"""Company names the recognizer misses but the press describes: "le spécialiste de l'éclairage
Lumenor", "la papeterie Vosgipap", "Cyclantis, jeune marque de vélos électriques".

French business writing introduces a company it does not expect the reader to know with a noun of
its trade, right before or right after the name. That description is the evidence spaCy's small
recognizer often lacks on invented or little-known names. The candidates found here go through the
same precision guards as the recognizer's (persons, places, unions, courts, media as sources)."""
from __future__ import annotations

import re

from monitor_pipeline.core.tagging.companies import CompanyMatcher
from monitor_pipeline.core.tagging.org_candidates import (_keep, OrgCandidate, normalize_org_name, without_elided_number,
                                                          without_field_acronym)

#: nouns of a trade that introduce a company (singular: "les banques X" is no description)
_TRADES = (
    r"groupe|entreprise|société|firme|plateforme|géant|éditeur|constructeur|start-?up|jeune\s+pousse|pépite|"
    r"fabricant|opérateur|banque|néobanque|assureur|mutuelle|distributeur|spécialiste|compagnie|leader|licorne|"
    r"équipementier|enseigne|marque|filiale|maison|industriel|chimiste|laboratoire|cabinet|fournisseur|"
    r"prestataire|sous-traitant|transporteur|application|chaîne|fintech|biotech|medtech|foodtech|edtech|proptech|"
    r"insurtech|e-commerçant|hébergeur|intégrateur|conglomérat|multinationale|ESN|PME|ETI|studio|label|courtier|"
    r"papetier|papeterie|brasseur|brasserie|sidérurgiste|verrier|verrerie|logisticien|armateur|cimentier|"
    r"voyagiste|loueur|imprimeur|imprimerie|détaillant|grossiste|concurrent|rival|coopérative|sucrier|volailler|"
    r"fromager|semencier|câblier|motoriste|avionneur|chausseur|lunetier|opticien|parfumeur|joaillier|chocolatier|"
    r"biscuitier|biscuiterie|maroquinier|maroquinerie|cartonnier|cartonnerie|fondeur|fonderie|tannerie|minoterie|"
    r"conserverie|laiterie|fromagerie|filature|scierie|agence|foncière|éditrice|centrale|constructrice|"
    r"manufacture|entreprise\s+familiale|site\s+marchand|média|journal|quotidien|magazine|radio|fabricante|acteur|"
    r"développeur|épicier|traiteur|négociant|promoteur|bailleur|exploitant|assembleur|équipementière|néo-banque|"
    r"banque\s+en\s+ligne"
)
_DET = r"(?:\b(?P<det>(?i:l'|le|la|un|une|du|au|son|sa|leur|notre|cet|cette|ce))\s*)"
#: trades that also describe a product ("sa plateforme CoreAI", "CoreAI, une plateforme qui …"): a name
#: after a possessive, or before a comma, is more often a product of the company named elsewhere
_PRODUCT_TRADES = frozenset({"plateforme", "application", "marque", "service", "label", "chaîne", "média",
                             "journal", "magazine", "radio", "quotidien", "réseau"})
#: trades that name another company after a possessive: "son concurrent Vrbo", "sa filiale Netatmo"
_RELATION_TRADES = frozenset({"concurrent", "rival", "filiale", "sous-traitant", "fournisseur", "prestataire"})
_POSSESSIVES = frozenset({"son", "sa", "leur", "notre"})
_NAME = r"[A-ZÀ-ÖØ-Þ][\w&+.'’-]*(?:[ -](?:[A-ZÀ-ÖØ-Þ0-9][\w&+.'’-]*|&))*"
#: determiner, trade, at most five lowercase words (never ending on a preposition: "le groupe de
#: Cupertino" is a place), then the name
_BEFORE_NAME = re.compile(
    _DET + r"(?P<trade>(?i:" + _TRADES + r"))(?P<mods>(?:\s+(?:[a-zà-ÿœ-]+|[dl]['’][a-zà-ÿœ-]+)){0,5}?)\s+(?P<name>" + _NAME + r")")
#: the name, a comma, then its description: "Cyclantis, jeune marque de vélos", "Traduk24, plateforme de …"
_AFTER_NAME = re.compile(r"(?P<name>" + _NAME + r")\s*,\s*(?:l['’]|le\s+|la\s+|un\s+|une\s+)?(?:[a-zà-ÿ-]+\s+){0,2}?(?P<trade>"
                         + _TRADES + r")\b")
#: a capitalized function word opening a sentence before a name
_LEADING_WORD = re.compile(r"^(?:Selon|Chez|C['’]est|Pour|Dans|Avec|En|Sur|Après|Avant|Depuis|Comme|Mais|Et|Car|Ainsi|Alors|Si|"
                           r"Quand|Face\s+à|Outre|Contrairement\s+à|Malgré|Parmi|Entre|Sans|Par|Sollicitée?s?\s+par|"
                           r"Interrogée?s?\s+par)\s+")
#: the description goes on to a name of its own: "…, la coopérative Champalys"
_DESCRIBES_NEXT = re.compile(r"(?:\s+[a-zà-ÿœ-]+){0,4}?\s+[A-ZÀ-ÖØ-Þ]")
_ENDS_ON_PREPOSITION = re.compile(r"(?:^|\s)(?:de|d['’]|du|des|à|au|aux|en|sur|pour|par|avec|chez|dans|et|ou)$")
#: a trade word used in another sense right before a capital: "la direction Europe", "le site Internet"
_NOT_TRADE_BEFORE = re.compile(r"^(?:Internet|Web|Europe|France|Asie|Afrique|Amérique|Est|Ouest|Nord|Sud)\b")


def described_names(sentence: str, matcher: CompanyMatcher | None = None) -> list[OrgCandidate]:
    """Names introduced by a description of their trade, as organisation candidates (label ``DESC``);
    names the ``matcher`` knows are left out."""
    out: list[OrgCandidate] = []
    seen: set[str] = set()
    for m in _BEFORE_NAME.finditer(sentence):
        if _ENDS_ON_PREPOSITION.search(m.group("mods")) or _NOT_TRADE_BEFORE.match(m.group("name")):
            continue
        trade = m.group("trade").lower()
        if m.group("det").lower() in _POSSESSIVES and trade not in _RELATION_TRADES:
            continue  # "sa plateforme CoreAI": a product of the company the possessive stands for
        if m.group("trade")[:1].isupper():
            # a capitalized trade word is part of the name ("La Maroquinerie Vasari", "la Banque Ravel")
            if not m.group("mods") and not m.group("trade").isupper():
                _add(out, seen, sentence, m.start("trade"), m.group("trade") + " " + m.group("name"))
            continue
        if m.start() > 0 and not m.group("mods") and m.group(0)[:2] in ("La", "Le", "L'", "L’"):
            continue  # "de La Mutuelle Générale": a capitalized article inside a sentence is the name's own
        _add(out, seen, sentence, m.start("name"), m.group("name"))
    for m in _AFTER_NAME.finditer(sentence):
        if m.group("trade").lower() in _PRODUCT_TRADES:
            continue
        name, at = m.group("name"), m.start("name")
        lead = _LEADING_WORD.match(name)
        if lead:  # "Selon Le Parisien, …", "C'est Vivescia, la coopérative …": not part of the name
            name, at = name[lead.end():], at + lead.end()
        if not name or at > 0 and sentence[at - 1] not in " \u00a0\"«(":
            continue
        # "Premier employeur de la Marne, la coopérative Champalys …": the description names what follows
        if not _DESCRIBES_NEXT.match(sentence, m.end()):
            _add(out, seen, sentence, at, name)
    known = matcher.surfaces() if matcher is not None else set()
    kept = [c for c in out if _keep(c.name, matcher, known)]
    for name, at in _lowercase_brands(sentence):
        if name.lower() not in seen and name.lower() not in known and not (matcher is not None and matcher.find_raw(name)):
            seen.add(name.lower())
            kept.append(OrgCandidate(name, sentence, at, at + len(name), "DESC"))
    return kept


#: a trade word in lowercase, then the words that may follow it before a lowercase brand
_TRADE_LEAD = re.compile(_DET + r"(?P<trade>" + _TRADES + r")\b")
_NEXT_WORD = re.compile(r"\s*(?P<word>[dl]['’][\wà-ÿœ-]+|[\wà-ÿœ&+.'’-]+)(?P<after>\s*[,(—–]?)")
#: a lowercase brand apposed to its trade, opening the sentence: "ekinoa, fabricant de pompes", "Chez tinybolt, le
#: studio lyonnais"
_LOWER_BEFORE_TRADE = re.compile(r"\s*(?:[Cc]hez\s+)?(?P<name>[a-zà-ÿ][a-zà-ÿ0-9&+.-]{2,})\s*,\s*"
                                 r"(?:l['’]|le\s+|la\s+|un\s+|une\s+)?(?:[a-zà-ÿ-]+\s+){0,2}?(?P<trade>" + _TRADES + r")\b")


#: a lowercase brand's shape: no apostrophe ("n'en", "l'apprentissage" are French), three characters or more
#: (not a rare future or conditional form the vector table lacks: "délestera"; not the English "layoffs")
_BRAND_SHAPE = re.compile(r"(?!layoffs?$)(?![a-zà-ÿœ-]+(?:eras?|erai|eront|erait|eraient|erons|erez)$)[a-zà-ÿœ][a-zà-ÿœ0-9&+.-]{2,}")


def _lowercase_brands(sentence: str) -> list[tuple[str, int]]:
    """Brands written in lowercase ("la start-up bordelaise hoppa", "ekinoa, fabricant de pompes à chaleur"):
    a word right after (or apposed before) a trade description that French does not know (it is missing
    from the parser model's 500,000-word vector table). A known word there ("le groupe annonce") is no name."""
    found: list[tuple[str, int]] = []
    for m in _TRADE_LEAD.finditer(sentence):
        if m.group("det").lower() in _POSSESSIVES:
            continue
        pos = m.end()
        for _ in range(6):
            w = _NEXT_WORD.match(sentence, pos)
            if not w or not w.group("word")[:1].islower():
                break
            word = w.group("word").rstrip(".'’-")
            if _BRAND_SHAPE.fullmatch(word) and not _french_word(word):
                if w.group("after").strip() or _NEXT_WORD.match(sentence, w.end()) and \
                        _french_word(_ELIDED.sub("", _NEXT_WORD.match(sentence, w.end()).group("word").lower())):
                    found.append((word, w.start("word")))
                break
            if w.group("after").strip():
                break
            pos = w.end()
    # (at the sentence's start only, where the press writes them: a search anywhere costs as much as all the rest)
    for m in filter(None, [_LOWER_BEFORE_TRADE.match(sentence)]):
        if m.group("trade").lower() not in _PRODUCT_TRADES and _BRAND_SHAPE.fullmatch(m.group("name").rstrip(".")) \
                and not _french_word(m.group("name").rstrip(".")):
            found.append((m.group("name").rstrip("."), m.start("name")))
    return found


#: an elided pronoun or article before a word: "s'est", "l'a", "n'a" (the vector table holds the word alone)
_ELIDED = re.compile(r"^(?:[sldnmtjc]|qu)['’](?=\w)")


def _french_word(word: str) -> bool:
    """Is ``word`` (lowercase) in the parser model's vocabulary of vectors (500,000 French forms)?"""
    from monitor_pipeline.core.tagging.syntax.parsing import load_parser  # the model is loaded once

    vocab = load_parser().vocab
    return word in vocab.strings and vocab.strings[word] in vocab.vectors.key2row or \
        any(p in vocab.strings and vocab.strings[p] in vocab.vectors.key2row for p in word.split("-") if len(word.split("-")) > 1)


def _add(out: list[OrgCandidate], seen: set[str], sentence: str, start: int, raw: str) -> None:
    name = without_field_acronym(normalize_org_name(raw.rstrip(".'’-")), sentence[:start])
    at = sentence.find(name, start)
    if at >= 0:  # "…, Ardent Games 60 et le studio Sablier 25": the number is the elided item's count
        name = without_elided_number(name, sentence, at + len(name))
    if at < 0 or not name[:1].isupper() or name.lower() in seen:
        return
    seen.add(name.lower())
    out.append(OrgCandidate(name, sentence, at, at + len(name), "DESC"))
