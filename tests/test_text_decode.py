import codecs

import pytest

from conftest import RAW
from trialwire.text.decode import Unreadable, decode_bytes

ARTICLE = "Lebrikizumab met both co-primary endpoints at week 16 in ADvocate 1 – a “clear” result for patients."


def test_utf8_and_bom():
    assert decode_bytes(ARTICLE.encode("utf-8")).text == ARTICLE
    assert decode_bytes(codecs.BOM_UTF8 + ARTICLE.encode("utf-8")).encoding == "utf-8-sig"
    assert decode_bytes(ARTICLE.encode("utf-16")).text == ARTICLE


def test_cp1252_sample_file_decodes_with_curly_quotes_and_umlaut():
    data = (RAW / "06_news_cp1252.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    decoded = decode_bytes(data)
    assert decoded.encoding == "cp1252"
    assert "Müller" in decoded.text and "“" in decoded.text


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"   \n\t ", "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "binary"),
    (b"%PDF-1.7 some pdf", "binary"),
    (b"text\x00with\x00nul" * 10, "binary"),
    ("“Rocatinlimab” improved EASI-75 ".encode("utf-8") + b"\xff\xfe broken tail", "invalid_utf8"),
])
def test_unreadable_inputs_have_reasons(data, reason):
    with pytest.raises(Unreadable) as exc:
        decode_bytes(data)
    assert exc.value.reason == reason


def test_size_limit():
    with pytest.raises(Unreadable) as exc:
        decode_bytes(b"a" * 1001, max_bytes=1000)
    assert exc.value.reason == "too_large"


def test_declared_utf8_that_is_not():
    with pytest.raises(Unreadable) as exc:
        decode_bytes("caf\xe9 au lait and tirzepatide".encode("latin-1"), "text/plain; charset=utf-8")
    assert exc.value.reason == "invalid_utf8"
