"""Encoding decisions: BOM > HTTP charset > meta > detection > fallback, and no mojibake."""
import codecs

import pytest

from monitor_pipeline.core.text.decode import decode_html, normalize_charset, repair_mojibake

PAGE = "<html><head>{meta}<title>Plan social</title></head><body><p>Les salariés licenciés de l’usine d’Amiens recevront une prime de départ.</p></body></html>"


def page(meta: str = "") -> str:
    return PAGE.format(meta=meta)


def test_http_charset_is_used():
    body = page().encode("cp1252")
    decoded = decode_html(body, "text/html; charset=windows-1252")
    assert decoded.encoding_source == "http"
    assert "licenciés de l’usine" in decoded.text


def test_meta_charset_is_used_without_http_charset():
    body = page('<meta charset="iso-8859-15">').replace("’", "'").replace("prime", "prime de 5 000 €").encode("iso-8859-15")
    decoded = decode_html(body, "text/html")
    assert decoded.encoding_source == "meta"
    assert decoded.encoding == "iso8859-15"
    assert "salariés licenciés" in decoded.text
    assert "5 000 €" in decoded.text  # 0xA4 is € in ISO-8859-15, ¤ in windows-1252


def test_http_equiv_meta_is_recognised():
    meta = '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
    decoded = decode_html(page(meta).replace("’", "'").encode("latin-1"), None)
    assert decoded.encoding_source == "meta"
    assert decoded.encoding == "cp1252"  # latin-1 labels mean windows-1252, as in browsers
    assert "licenciés" in decoded.text


def test_bom_overrides_declarations():
    body = codecs.BOM_UTF8 + page('<meta charset="iso-8859-1">').encode("utf-8")
    decoded = decode_html(body, "text/html; charset=iso-8859-1")
    assert decoded.encoding_source == "bom"
    assert decoded.text.startswith("<html>")
    assert "licenciés de l’usine" in decoded.text


def test_utf16_bom():
    decoded = decode_html(codecs.BOM_UTF16_LE + page().encode("utf-16-le"), None)
    assert decoded.encoding_source == "bom"
    assert "licenciés" in decoded.text


def test_latin1_page_with_curly_quote_bytes_decodes_as_cp1252():
    # 0x92 is the right single quote in windows-1252 but a control character in ISO-8859-1.
    body = page('<meta charset="iso-8859-1">').encode("cp1252")
    decoded = decode_html(body, "text/html; charset=ISO-8859-1")
    assert "l’usine" in decoded.text
    assert "\x92" not in decoded.text


def test_utf8_declared_as_latin1_does_not_produce_mojibake():
    body = page('<meta charset="iso-8859-1">').encode("utf-8")
    decoded = decode_html(body, "text/html; charset=ISO-8859-1")
    assert "licenciés" in decoded.text
    assert "licenciÃ©s" not in decoded.text
    assert "â€™" not in decoded.text
    assert decoded.encoding == "utf-8"


def test_undeclared_cp1252_is_detected():
    decoded = decode_html(page().encode("cp1252"), None)
    assert decoded.encoding_source == "detected"
    assert "licenciés de l’usine" in decoded.text


def test_declared_utf8_with_latin_bytes_falls_back_to_detection():
    decoded = decode_html(page().encode("cp1252"), "text/html; charset=utf-8")
    assert decoded.encoding_source == "detected"
    assert "licenciés" in decoded.text


def test_unknown_charset_label_is_ignored():
    decoded = decode_html(page().encode("utf-8"), "text/html; charset=x-bogus-42")
    assert decoded.encoding == "utf-8"
    assert "licenciés" in decoded.text


def test_double_encoded_text_is_repaired():
    mojibake = "Les licenciés de l’usine".encode().decode("cp1252")
    assert "licenciÃ©s" in mojibake
    decoded = decode_html(f"<p>{mojibake}</p>".encode(), "text/html; charset=utf-8")
    assert "licenciés de l’usine" in decoded.text
    assert decoded.mojibake_repaired


def test_repair_leaves_legitimate_text_alone():
    text = "São Paulo, Ã bientôt, É« et Ångström"
    assert repair_mojibake(text) == text


def test_empty_body():
    decoded = decode_html(b"", None)
    assert decoded.text == ""


def test_invalid_bytes_never_raise():
    decoded = decode_html(bytes(range(256)) * 4, "text/html; charset=utf-8")
    assert isinstance(decoded.text, str)


@pytest.mark.parametrize("label,expected", [("ISO-8859-1", "cp1252"), ("latin1", "cp1252"), ("us-ascii", "cp1252"), ("UTF8", "utf-8"), ("utf-16", "utf-8"), ("nonsense", None)])
def test_normalize_charset(label, expected):
    assert normalize_charset(label) == expected


def test_non_bytes_input_is_a_clear_error():
    with pytest.raises(TypeError, match="expects bytes"):
        decode_html("<p>texte</p>", None)  # type: ignore[arg-type]
