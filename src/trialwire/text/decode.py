"""Raw bytes to str: size limits, binary detection, encoding detection."""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

MAX_BYTES = 5_000_000
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"PK\x03\x04", b"\xff\xd8\xff", b"GIF8", b"\x7fELF", b"\x1f\x8b")
# A valid multi-byte UTF-8 sequence: its presence in bytes that still fail to decode means
# damaged UTF-8, not another encoding.
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


class Unreadable(Exception):
    """Input that cannot become text; `reason` is a short code for the quarantine table."""

    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def declared_charset(content_type: str | None) -> str | None:
    m = re.search(r"charset=([\w\-]+)", content_type or "", re.I)
    return m.group(1).lower() if m else None


def decode_bytes(data: bytes, content_type: str | None = None, max_bytes: int = MAX_BYTES) -> Decoded:
    if not data.strip():
        raise Unreadable("empty", "no bytes" if not data else "only whitespace")
    if len(data) > max_bytes:
        raise Unreadable("too_large", f"{len(data):,} bytes exceeds the {max_bytes:,}-byte limit")
    if data.startswith(BINARY_MAGIC):
        raise Unreadable("binary", "file signature of a binary format")
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return Decoded(data.decode(enc), enc)
    sample = data[:65536]
    if b"\x00" in sample or len(CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise Unreadable("binary", "NUL or control bytes: not text")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError as exc:
        declared = declared_charset(content_type)
        if declared in ("utf-8", "utf8") or UTF8_MULTIBYTE.search(data):
            raise Unreadable("invalid_utf8", f"invalid UTF-8 at byte {exc.start}") from exc
    try:  # the commonest legacy encoding of English web text
        return Decoded(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.chaos > 0.2:
        raise Unreadable("undecodable", "no encoding gives readable text")
    return Decoded(str(best), best.encoding)
