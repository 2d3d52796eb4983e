"""Turn raw page bytes into text, choosing the character encoding the way browsers do.

Order of authority (WHATWG "encoding sniffing", simplified):

1. a byte order mark (``bom``) — authoritative when present;
2. the ``charset`` parameter of the HTTP ``Content-Type`` header (``http``);
3. ``<meta charset>`` / ``<meta http-equiv="Content-Type">`` in the first 4 KB (``meta``);
4. detection: strict UTF-8 first, then ``charset_normalizer`` (``detected``);
5. UTF-8 with replacement characters (``fallback``).

Browsers treat ``iso-8859-1``, ``latin-1`` and ``us-ascii`` labels as windows-1252; so do we.

Declared charsets are often wrong. The classic case is a UTF-8 page served as ISO-8859-1,
which would turn "licenciés" into "licenciÃ©s". A declared single-byte charset is therefore
overridden by UTF-8 when the body contains non-ASCII bytes and decodes as strict UTF-8
(a real windows-1252 text almost never forms valid multi-byte UTF-8 sequences). A declared UTF-8
body that is not valid UTF-8 goes to detection. Finally, mojibake already present in the bytes
(text double-encoded upstream) is repaired run by run when the repair is unambiguous.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

ENCODING_SOURCES = ("http", "meta", "bom", "detected", "fallback")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# WHATWG maps these labels to windows-1252.
_WINDOWS_1252_ALIASES = {"latin_1", "iso8859_1", "ascii", "cp1252"}

_META_SCAN_BYTES = 4096
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE
)
_HTTP_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)

# A run of characters that looks like UTF-8 bytes decoded as windows-1252. Only the lead bytes
# that French text produces are considered (Â Ã Å: U+0080-U+017F; â: typographic punctuation,
# narrow NBSP, €), which keeps legitimate text such as "É«" out of reach.
_CP1252_CONTINUATION = "\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE_RUN = re.compile(
    "(?:[\u00c2\u00c3\u00c5][" + _CP1252_CONTINUATION + "]"
    "|\u00e2[" + _CP1252_CONTINUATION + "]{2})+"
)


@dataclass(frozen=True)
class DecodedHtml:
    """Decoded page text, the Python codec name used and where it came from."""

    text: str
    encoding: str
    encoding_source: str  # one of ENCODING_SOURCES
    mojibake_repaired: bool = False


def normalize_charset(label: str | None) -> str | None:
    """Return the Python codec name for a charset label, browser-style; None if unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    key = name.replace("-", "_")
    if key in _WINDOWS_1252_ALIASES:
        return "cp1252"
    if key.startswith("utf_16"):
        # A page that *declares* UTF-16 in ASCII-compatible bytes is not UTF-16 (WHATWG).
        return "utf-8"
    if key == "utf_8":
        return "utf-8"
    return name


def charset_from_content_type(content_type: str | None) -> str | None:
    """Extract the charset label from a Content-Type header value (None when absent)."""
    if not content_type:
        return None
    match = _HTTP_CHARSET.search(content_type)
    return match.group(1) if match else None


def charset_from_meta(body: bytes) -> str | None:
    """Find a ``<meta charset>`` or http-equiv charset declaration in the first 4 KB."""
    match = _META_CHARSET.search(body[:_META_SCAN_BYTES])
    return match.group(1).decode("ascii", "replace") if match else None


def decode_html(body: bytes, content_type: str | None) -> DecodedHtml:
    """Decode an HTML body; never raises for any byte content."""
    if not isinstance(body, (bytes, bytearray, memoryview)):
        raise TypeError(f"decode_html expects bytes, got {type(body).__name__}")
    body = bytes(body)

    for bom, encoding in _BOMS:
        if body.startswith(bom):
            text = body[len(bom):].decode(encoding, errors="replace")
            return _finish(text, encoding, "bom")

    for source, label in (
        ("http", charset_from_content_type(content_type)),
        ("meta", charset_from_meta(body)),
    ):
        encoding = normalize_charset(label)
        if encoding is None:
            continue
        decoded = _decode_declared(body, encoding, source)
        if decoded is not None:
            return decoded

    return _detect(body)


def _decode_declared(body: bytes, encoding: str, source: str) -> DecodedHtml | None:
    """Decode with a declared charset, overriding it when it is evidently wrong."""
    if encoding == "utf-8":
        try:
            return _finish(body.decode("utf-8"), "utf-8", source)
        except UnicodeDecodeError:
            return _detect(body)  # declared UTF-8 but the bytes are not UTF-8
    if not body.isascii() and _is_strict_utf8(body) and _is_single_byte(encoding):
        # UTF-8 bytes served under a single-byte label: decoding as declared would
        # produce mojibake ("licenciÃ©s"), so trust the bytes.
        return _finish(body.decode("utf-8"), "utf-8", "detected")
    try:
        return _finish(body.decode(encoding, errors="replace"), encoding, source)
    except LookupError:  # pragma: no cover - normalize_charset already checked
        return None


def _detect(body: bytes) -> DecodedHtml:
    """No usable declaration: strict UTF-8, then statistics, then UTF-8 with replacement.

    Statistical detection (charset_normalizer) is unreliable with few non-ASCII bytes (it
    calls a short French text "cp1006/Farsi"), so windows-1252 wins when its decoding is
    plausible (only letters and usual punctuation) and either the sample is small or the
    detector itself leans to a Western code page.
    """
    if _is_strict_utf8(body):
        return _finish(body.decode("utf-8"), "utf-8", "detected")
    high_bytes = sum(1 for byte in body if byte > 127)
    best_encoding = _charset_normalizer_guess(body)
    if _looks_like_western_cp1252(body) and (
        best_encoding is None
        or high_bytes < _MIN_HIGH_BYTES_FOR_STATISTICS
        or best_encoding in _WESTERN_SINGLE_BYTE
    ):
        return _finish(body.decode("cp1252"), "cp1252", "detected")
    if _mostly_utf8(body, high_bytes):
        # UTF-8 with some stray bytes (a truncated sequence, a windows-1252 fragment pasted in):
        # decoding the valid sequences as UTF-8 and only the stray bytes as windows-1252 beats
        # decoding the whole page in a guessed code page, which garbles every accent.
        return _finish(body.decode("utf-8", errors=_CP1252_FALLBACK), "utf-8", "detected")
    if best_encoding is not None:
        try:
            return _finish(body.decode(best_encoding, errors="replace"), best_encoding, "detected")
        except LookupError:
            pass
    return _finish(body.decode("utf-8", errors="replace"), "utf-8", "fallback")


_MIN_HIGH_BYTES_FOR_STATISTICS = 64
_WESTERN_SINGLE_BYTE = {"cp1252", "latin_1", "iso8859_15", "cp1250", "iso8859_2", "mac_roman"}


def _charset_normalizer_guess(body: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body).best()
    except Exception:  # detection is best effort
        return None
    if best is None or not best.encoding:
        return None
    return normalize_charset(best.encoding) or best.encoding


def _finish(text: str, encoding: str, source: str) -> DecodedHtml:
    repaired = repair_mojibake(text)
    return DecodedHtml(
        text=repaired, encoding=encoding, encoding_source=source, mojibake_repaired=repaired != text
    )


def repair_mojibake(text: str) -> str:
    """Repair runs of UTF-8-read-as-windows-1252 ("Ã©" → "é") where the repair is exact.

    Each suspicious run is re-encoded as windows-1252 and decoded as strict UTF-8; runs that
    do not round-trip are left untouched, so ordinary text ("Ã" in a Portuguese name) survives.
    """
    if "Ã" not in text and "â€" not in text and "Â" not in text:
        return text

    def fix(match: re.Match[str]) -> str:
        run = match.group(0)
        try:
            return run.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return run

    return _MOJIBAKE_RUN.sub(fix, text)


_WESTERN_PUNCTUATION = set("«»‘’“”–—…€°·×÷§©®ª º¹²³µ¼½¾¡¿")


def _looks_like_western_cp1252(body: bytes) -> bool:
    """True when every non-ASCII byte decodes (cp1252) to a letter or common punctuation."""
    try:
        text = body.decode("cp1252")
    except UnicodeDecodeError:
        return False
    high = [ch for ch in text if ord(ch) > 127]
    if not high:
        return False
    plausible = sum(1 for ch in high if ch.isalpha() or ch in _WESTERN_PUNCTUATION or ch == "\u00a0")
    return plausible >= 0.95 * len(high)


_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)


def _mostly_utf8(body: bytes, high_bytes: int) -> bool:
    """True when the body holds real UTF-8 (a few multi-byte sequences at least) and the high bytes
    outside them are not overwhelmingly more numerous (a page in another code page)."""
    sequences = len(_UTF8_MULTIBYTE.findall(body))
    stray = high_bytes - len(b"".join(_UTF8_MULTIBYTE.findall(body)))
    return sequences >= 3 and stray <= 4 * sequences


def _cp1252_for_stray_bytes(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: decode bytes that are not UTF-8 as windows-1252 (else U+FFFD)."""
    assert isinstance(error, UnicodeDecodeError)
    chunk = error.object[error.start:error.end]
    return chunk.decode("cp1252", errors="replace"), error.end


_CP1252_FALLBACK = "monitor-pipeline-cp1252-fallback"
codecs.register_error(_CP1252_FALLBACK, _cp1252_for_stray_bytes)


def _is_strict_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_single_byte(encoding: str) -> bool:
    try:
        name = codecs.lookup(encoding).name.replace("-", "_")
    except LookupError:
        return False
    return name in _WESTERN_SINGLE_BYTE or name == "ascii"
