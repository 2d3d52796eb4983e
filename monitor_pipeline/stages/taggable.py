"""Which articles get tagged: French ones with text worth tagging (fetch failures and non-HTML keep
their status but get no tags)."""

TAGGABLE_STATUSES = ("ok", "summary_fallback", "paywalled", "too_short")
TAGGED_LANGUAGE = "fr"


def is_taggable(language: str | None, status: str | None) -> bool:
    return language == TAGGED_LANGUAGE and status in TAGGABLE_STATUSES
