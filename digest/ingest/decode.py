"""Turn an input file's bytes into text, degrading before rejecting.

The order follows trafilatura's `decode_file`: a byte-order mark, then UTF-8, then the
encoding the file declares (XML declaration, HTML `<meta charset>`), then UTF-8 with
stray legacy bytes (a file pasted together from two encodings), then a detected one. A
guessed or repaired reading leaves a note on the article, so the reader can see that
the text was guessed at; a declared one does not, since nothing was guessed. Newlines
come out as `\\n`. Control characters are the cleaner's to remove (`digest.clean`), with
a record; only a file that is mostly control bytes is rejected, as binary.
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

BINARY_CONTROL_SHARE = 0.3
"""Share of control bytes (NUL and the other C0 codes but tab and newlines) above which
even valid UTF-8 is binary: UTF-16 text read as bytes holds up to 50 %, a text with a
few stray NULs or terminal escapes a few percent at most. (Random bytes hold about 11 %,
but they are caught as NULs in what is not UTF-8.)"""

MIXED_STRAY_RATIO = 3
"""How many stray bytes per valid UTF-8 multi-byte sequence a file may hold and still be
read as UTF-8 with a few legacy bytes. Legacy text rarely forms valid sequences at all
(cp1251 `Сё` does, once in a while), while nearly every letter of it is a stray byte."""

_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]{1,3}")
_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")

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
        InputError: `binary file` (NUL bytes in text that is not UTF-8, or mostly control
            bytes), `empty file` (nothing but whitespace) or `cannot decode text` (no
            encoding fits).
    """
    decoded = _decode_bom(data)
    if decoded is None:
        if _looks_binary(data):
            raise InputError(name, None, "binary file")
        decoded = (
            _decode_utf8(data)
            or _decode_declared(data)
            or _decode_mixed(data)
            or _decode_detected(data)
        )
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


def _looks_binary(data: bytes) -> bool:
    """NUL bytes in what is not UTF-8, or a high share of control bytes.

    A text with a stray NUL or a terminal escape sequence is still text (valid UTF-8 and
    nearly no control bytes); an image or archive is almost never valid UTF-8.
    """
    if not data:
        return False
    controls = len(_CONTROL_BYTES.findall(data))
    if controls > BINARY_CONTROL_SHARE * len(data):
        return True
    return b"\x00" in data and _decode_utf8(data) is None


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


def _decode_mixed(data: bytes) -> DecodedText | None:
    """Read UTF-8 text holding a few bytes of a legacy encoding, each such byte as cp1252.

    Files pasted together from two sources (`café` in UTF-8 beside `naïve` in cp1252)
    fail strict UTF-8 but are no legacy encoding either: one guessed encoding for the
    whole file garbles the UTF-8 part. A file counts as UTF-8 here when it holds more
    valid multi-byte sequences than stray bytes.
    """
    valid = len(_UTF8_MULTIBYTE.findall(data))
    text = data.decode("utf-8", errors="surrogateescape")  # a stray byte → U+DC80..DCFF
    stray = len(_ESCAPED_BYTE.findall(text))
    if not valid or stray > MIXED_STRAY_RATIO * valid:
        return None
    text = _ESCAPED_BYTE.sub(lambda m: _legacy_char(ord(m[0]) - 0xDC00), text)
    note = f"mixed encodings: {stray} byte{'s' if stray > 1 else ''} outside UTF-8 read as cp1252"
    return DecodedText(text=text, notes=(note,))


def _legacy_char(byte: int) -> str:
    """A byte as cp1252 reads it; the five bytes cp1252 leaves undefined as Latin-1."""
    try:
        return bytes([byte]).decode(PREFERRED_LEGACY_ENCODING)
    except UnicodeDecodeError:
        return chr(byte)


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
