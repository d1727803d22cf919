"""Turn an input file's bytes into text, degrading before rejecting.

The order follows trafilatura's `decode_file`: a byte-order mark, then UTF-8, then the
encoding the file declares (XML declaration, HTML `<meta charset>`), then a detected
one. A detected encoding leaves a note on the article, so the reader can see that the
text was guessed at; a declared one does not, since nothing was guessed. Newlines come
out as `\\n`.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import CharsetMatch, from_bytes

from digest.errors import InputError

BOMS = (
    # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
"""Byte-order marks and the codec that reads (and drops) them."""

PREFERRED_LEGACY_ENCODING = "cp1252"
"""The web's default legacy encoding (WHATWG reads even `latin-1` labels as windows-1252).
charset_normalizer guesses badly on short Western texts: French read as cp1257 (`à` as
`ą`), Spanish as cp1250 (`ñ` as `ń`), German as the Korean johab. So cp1252 is measured
on its own and wins unless the best guess is clearly better."""

CHAOS_TOLERANCE = 0.02
"""How much messier than the best guess (charset_normalizer's `chaos`, the share of odd
characters) cp1252 may be and still win: in the French case above it scores 0.008
against 0.0, while it reads the language better."""

WHATWG_LEGACY_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252"}
"""Labels browsers read as windows-1252 (WHATWG Encoding Standard): pages that declare
latin-1 or ASCII but hold curly quotes in bytes 0x80-0x9F mean cp1252."""

DECLARATION_SCAN_BYTES = 2048
"""How far into a file to look for a declared encoding: the XML declaration must open
the file and HTML5 asks for `<meta charset>` within the first 1024 bytes; twice that
allows for a long `<head>` preamble."""

_DECLARED_ENCODING = re.compile(
    rb"""<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']"""
    rb"""|<meta[^>]*?\bcharset\s*=\s*["']?([A-Za-z0-9._-]+)""",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DecodedText:
    """An input's text, with what decoding had to guess."""

    text: str
    notes: tuple[str, ...] = ()


def decode_text(data: bytes, name: str) -> DecodedText:
    """Decode an input file's bytes to text with `\\n` newlines.

    Args:
        data: the file's bytes.
        name: the input's name, for error messages.

    Raises:
        InputError: `binary file` (NUL bytes), `empty file` (nothing but whitespace)
            or `cannot decode text` (no encoding fits).
    """
    decoded = _decode_bom(data)
    if decoded is None:
        if b"\x00" in data:
            raise InputError(name, None, "binary file")
        decoded = _decode_utf8(data) or _decode_declared(data) or _decode_detected(data)
    if decoded is None:
        raise InputError(name, None, "cannot decode text")
    if not decoded.text.strip():
        raise InputError(name, None, "empty file")
    text = decoded.text.replace("\r\n", "\n").replace("\r", "\n")
    return DecodedText(text=text, notes=decoded.notes)


def _decode_bom(data: bytes) -> DecodedText | None:
    for bom, codec in BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(text=data.decode(codec))
            except UnicodeDecodeError:
                return None
    return None


def _decode_utf8(data: bytes) -> DecodedText | None:
    try:
        return DecodedText(text=data.decode("utf-8"))
    except UnicodeDecodeError:
        return None


def _decode_declared(data: bytes) -> DecodedText | None:
    match = _DECLARED_ENCODING.search(data[:DECLARATION_SCAN_BYTES])
    if match is None:
        return None
    label = (match[1] or match[2]).decode("ascii")
    try:
        codec = codecs.lookup(label).name
        codec = WHATWG_LEGACY_ALIASES.get(codec, codec)
        # the file says how to read it: nothing was guessed, so no note
        return DecodedText(text=data.decode(codec))
    except (LookupError, UnicodeDecodeError):
        return None


def _decode_detected(data: bytes) -> DecodedText | None:
    best = from_bytes(data).best()
    legacy = from_bytes(data, cp_isolation=[PREFERRED_LEGACY_ENCODING]).best()
    chosen = legacy if _is_good_enough(legacy, best) else best
    if chosen is None:
        return None
    try:
        text = data.decode(chosen.encoding)
    except (LookupError, UnicodeDecodeError):
        return None
    return DecodedText(text=text, notes=(f"decoded as {chosen.encoding}",))


def _is_good_enough(legacy: CharsetMatch | None, best: CharsetMatch | None) -> bool:
    """Whether the cp1252 reading is about as clean as the best guess, and as coherent."""
    if legacy is None or best is None:
        return best is None
    return legacy.chaos <= best.chaos + CHAOS_TOLERANCE and legacy.coherence >= best.coherence
