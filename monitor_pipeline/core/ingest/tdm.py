"""Text-and-data-mining opt-outs (W3C TDMRep: EU directive 2019/790, art. 4).

A publisher reserves its TDM rights in three ways, all read here:

* the ``tdm-reservation`` HTTP response header (``1`` reserved, ``0`` not), with an optional
  ``tdm-policy`` (the URL of the licence offer): :func:`from_headers`;
* ``<meta name="tdm-reservation" content="1">`` (and ``tdm-policy``) in an HTML page's head:
  :func:`from_html`;
* the origin's ``/.well-known/tdmrep.json``, a list of rules ``{"location": "/path/*",
  "tdm-reservation": 1, "tdm-policy": "https://..."}``: :func:`parse_tdmrep_file`, whose
  :meth:`TdmRepFile.lookup` gives the rule for a URL (the most specific matching location).

A page-level statement (header, then meta tag) is more specific than the site's file and wins over
it. The fetcher reads the well-known file once per origin (cached), refrains from requesting a page
the file reserves, stops at the headers when they reserve the page, and drops the body when its
meta tag does: a reserved page's text is never kept. A licence recorded in the registry
(``tdm_licence``) lifts the reservation for that source's pages.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["TdmDecision", "TdmRepFile", "TdmRule", "from_headers", "from_html", "parse_tdmrep_file",
           "TDMREP_PATH", "TDMREP_MAX_BYTES"]

TDMREP_PATH = "/.well-known/tdmrep.json"
TDMREP_MAX_BYTES = 256 * 1024
HTML_SCAN_BYTES = 256 * 1024  # meta tags belong in <head>: the start of the page is enough
_POLICY_MAX_CHARS = 500


@dataclass(frozen=True)
class TdmDecision:
    """``reserved`` and where it comes from (``header``, ``meta`` or ``tdmrep.json``)."""

    reserved: bool
    source: str
    policy: str | None = None

    def describe(self, origin: str = "") -> str:
        where = {"header": "the tdm-reservation response header",
                 "meta": "a tdm-reservation meta tag in the page",
                 "tdmrep.json": f"{origin}{TDMREP_PATH}"}.get(self.source, self.source)
        text = f"TDM rights reserved by {where} (EU directive 2019/790 art. 4)"
        return text + (f"; licence offer: {self.policy}" if self.policy else "")


def _reservation_value(value: object) -> bool | None:
    text = str(value).strip().lower() if value is not None else ""
    if text in ("1", "true"):
        return True
    if text in ("0", "false"):
        return False
    return None


def _policy(value: object) -> str | None:
    text = str(value).strip() if value is not None else ""
    if not text or "\n" in text or "\r" in text:
        return None
    return text[:_POLICY_MAX_CHARS]


def from_headers(headers: dict[str, str]) -> TdmDecision | None:
    """The ``tdm-reservation`` header's statement (header names lower-case), or None."""
    lowered = {k.lower(): v for k, v in headers.items()}
    reserved = _reservation_value(lowered.get("tdm-reservation"))
    if reserved is None:
        return None
    return TdmDecision(reserved, "header", _policy(lowered.get("tdm-policy")) if reserved else None)


_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(rb"""([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def from_html(body: bytes) -> TdmDecision | None:
    """The ``tdm-reservation`` meta tag's statement in the start of an HTML page, or None."""
    reservation: bool | None = None
    policy: str | None = None
    for tag in _META.finditer(body[:HTML_SCAN_BYTES]):
        attrs: dict[str, str] = {}
        for m in _ATTR.finditer(tag.group(0)):
            raw = m.group(2) if m.group(2) is not None else m.group(3) if m.group(3) is not None else m.group(4)
            attrs[m.group(1).decode("ascii").lower()] = raw.decode("utf-8", errors="replace")
        name = attrs.get("name", "").strip().lower()
        if name == "tdm-reservation" and reservation is None:
            reservation = _reservation_value(attrs.get("content"))
        elif name == "tdm-policy" and policy is None:
            policy = _policy(attrs.get("content"))
    if reservation is None:
        return None
    return TdmDecision(reservation, "meta", policy if reservation else None)


@dataclass(frozen=True)
class TdmRule:
    location: str
    reserved: bool
    policy: str | None
    _pattern: re.Pattern

    @property
    def specificity(self) -> int:
        return len(self.location.replace("*", "").replace("$", ""))


def _location_pattern(location: str) -> re.Pattern:
    """A robots.txt-style path pattern: ``*`` any characters, a final ``$`` the end of the path."""
    anchored = location.endswith("$")
    body = location[:-1] if anchored else location
    regex = ".*".join(re.escape(part) for part in body.split("*"))
    return re.compile(regex + ("$" if anchored else ""))


@dataclass(frozen=True)
class TdmRepFile:
    """An origin's ``tdmrep.json`` rules (empty when the file is absent or unreadable);
    ``error`` says why a file that was served could not be used."""

    rules: tuple[TdmRule, ...] = ()
    error: str | None = None

    def to_dict(self) -> dict:
        return {"rules": [{"location": r.location, "tdm-reservation": int(r.reserved), "tdm-policy": r.policy}
                          for r in self.rules], "error": self.error}

    @classmethod
    def from_dict(cls, data: dict) -> TdmRepFile:
        parsed = parse_tdmrep_file(json.dumps(data.get("rules") or []).encode())
        return cls(parsed.rules, data.get("error"))

    def lookup(self, url: str) -> TdmDecision | None:
        """The statement of the most specific rule whose location matches ``url``'s path."""
        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        best: TdmRule | None = None
        for rule in self.rules:
            if rule._pattern.match(path) and (best is None or rule.specificity > best.specificity):
                best = rule
        if best is None:
            return None
        return TdmDecision(best.reserved, "tdmrep.json", best.policy if best.reserved else None)


def parse_tdmrep_file(body: bytes) -> TdmRepFile:
    """Parse ``/.well-known/tdmrep.json``; malformed content gives no rules and an ``error``."""
    try:
        doc = json.loads(body[:TDMREP_MAX_BYTES].decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return TdmRepFile(error=f"tdmrep.json is not valid JSON ({str(exc).splitlines()[0][:200]})")
    if not isinstance(doc, list):
        return TdmRepFile(error="tdmrep.json must be a JSON array of rules")
    rules = []
    for item in doc:
        if not isinstance(item, dict):
            continue
        location = item.get("location")
        reserved = _reservation_value(item.get("tdm-reservation"))
        if not isinstance(location, str) or not location.startswith(("/", "*")) or reserved is None:
            continue
        rules.append(TdmRule(location, reserved, _policy(item.get("tdm-policy")) if reserved else None,
                             _location_pattern(location)))
    return TdmRepFile(tuple(rules))
