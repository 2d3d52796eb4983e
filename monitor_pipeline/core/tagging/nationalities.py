"""Nationality adjectives of company descriptions ("l'équipementier finlandais", "le groupe suédois")
and the knowledge-base countries they name: an anaphor's adjective chooses between the companies named
before it (``Tagger._matching_nationality``)."""
from __future__ import annotations

import re

__all__ = ["NATIONALITIES", "NATIONALITY", "nationality_countries"]

#: nationality adjectives (masculine singular stem, "-e"/"-s" endings removed) → knowledge-base countries
NATIONALITIES: dict[str, frozenset[str]] = {k: frozenset(v.split()) for k, v in {
    "français": "FR", "françai": "FR", "parisien": "FR", "américain": "US", "californien": "US", "allemand": "DE",
    "berlinoi": "DE", "munichoi": "DE", "britanniqu": "GB", "anglai": "GB", "londonien": "GB", "suédoi": "SE",
    "finlandai": "FI", "norvégien": "NO", "danoi": "DK", "scandinav": "SE NO DK", "néerlandai": "NL",
    "hollandai": "NL", "belg": "BE", "suiss": "CH", "espagnol": "ES", "italien": "IT", "japonai": "JP",
    "chinoi": "CN", "coréen": "KR", "sud-coréen": "KR", "indien": "IN", "canadien": "CA", "irlandai": "IE",
    "australien": "AU", "taïwanai": "TW", "lituanien": "LT", "israélien": "IL"}.items()}
#: a nationality adjective, any gender and number (group 1)
NATIONALITY = re.compile(r"\b(français|française|parisien(?:ne)?|américaine?|californien(?:ne)?|allemande?|berlinoise?|"
                         r"munichoise?|britannique|anglaise?|londonien(?:ne)?|suédoise?|finlandaise?|norvégien(?:ne)?|"
                         r"danoise?|scandinave|néerlandaise?|hollandaise?|belge|suisse|espagnole?|italien(?:ne)?|"
                         r"japonaise?|chinoise?|sud-coréen(?:ne)?|coréen(?:ne)?|indien(?:ne)?|canadien(?:ne)?|"
                         r"irlandaise?|australien(?:ne)?|taïwanaise?|lituanien(?:ne)?|israélien(?:ne)?)\b", re.IGNORECASE)


def nationality_countries(text: str) -> frozenset[str] | None:
    """The countries of the first nationality adjective in ``text`` (empty for one the table lacks),
    or None when there is none."""
    adjective = NATIONALITY.search(text)
    if adjective is None:
        return None
    stem = adjective.group(1).lower().rstrip("s").removesuffix("e")
    return NATIONALITIES.get(stem.removesuffix("n") if stem.endswith("nn") else stem, frozenset())
