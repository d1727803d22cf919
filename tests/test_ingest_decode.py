"""Decoding input bytes: UTF-8 first, then what the file declares, then a detected guess."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.errors import InputError
from digest.ingest import read_inputs
from digest.ingest.decode import decode_text

FRENCH = "« Les conditions se détériorent », a prévenu l’agence à Genève."


def test_latin1_file_is_decoded_as_cp1252_with_a_note(data_dir: Path) -> None:
    [article] = read_inputs([data_dir / "bad" / "latin1.txt"]).articles
    assert article.title == "Syrie : l’ONU fait état de 350 000 déplacés à Idleb"
    assert article.source == "Le Courrier du Levant"
    assert "« Les conditions de vie se détériorent », a prévenu l’agence onusienne" in article.text
    assert "\r" not in article.text
    # the French month name is explicit but unreadable: noted, not guessed
    assert article.notes == ("decoded as cp1252", "ignored unreadable date '17 janvier 2020'")


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("Über 350.000 Menschen sind aus Idlib geflohen; die Lage verschärft sich.", "cp1252"),
        ("Más de 350.000 sirios huyen de Idlib. Niños y mujeres, la mayoría.", "cp1252"),
        (
            "Według ONZ ponad 350 tysięcy osób uciekło z prowincji Idlib od początku grudnia.",
            "cp1250",
        ),
        ("По данным ООН, из провинции Идлиб бежали более 350 тысяч человек.", "cp1251"),
    ],
)
def test_legacy_encodings_are_detected(text: str, encoding: str) -> None:
    decoded = decode_text(text.encode(encoding), "a.txt")
    assert decoded.text == text
    assert decoded.notes == (f"decoded as {encoding}",)


def test_utf8_is_read_without_a_note() -> None:
    assert decode_text(FRENCH.encode("utf-8"), "a.txt").notes == ()


def test_utf8_byte_order_mark_is_dropped() -> None:
    decoded = decode_text(codecs.BOM_UTF8 + FRENCH.encode("utf-8"), "a.txt")
    assert decoded.text == FRENCH
    assert decoded.notes == ()


def test_utf16_with_byte_order_mark_is_not_taken_for_binary() -> None:
    assert decode_text(FRENCH.encode("utf-16"), "a.txt").text == FRENCH


def test_declared_latin1_is_read_as_cp1252_like_a_browser_does() -> None:
    page = f'<meta charset="iso-8859-1"><p>{FRENCH}</p>'.encode("cp1252")
    decoded = decode_text(page, "a.html")
    assert FRENCH in decoded.text
    assert decoded.notes == ()


def test_newlines_are_normalised() -> None:
    assert decode_text(b"one\r\ntwo\rthree\n", "a.txt").text == "one\ntwo\nthree\n"


def test_file_with_nul_bytes_is_rejected_as_binary(data_dir: Path) -> None:
    [rejected] = read_inputs([data_dir / "bad" / "idlib-photo.txt"]).rejected
    assert (rejected.input, rejected.line, rejected.reason) == (
        "idlib-photo.txt",
        None,
        "binary file",
    )


@pytest.mark.parametrize("data", [b"", b"\n   \n\t\n", codecs.BOM_UTF8 + b"\n"])
def test_empty_or_blank_file_is_rejected(data: bytes) -> None:
    with pytest.raises(InputError, match=r"^a\.txt: empty file$"):
        decode_text(data, "a.txt")


def test_empty_fixture_is_rejected(data_dir: Path) -> None:
    [rejected] = read_inputs([data_dir / "bad" / "empty.txt"]).rejected
    assert rejected.reason == "empty file"


def test_bytes_no_encoding_fits_are_rejected() -> None:
    with pytest.raises(InputError, match=r"^a\.txt: cannot decode text$"):
        decode_text(bytes(range(1, 256)) * 4, "a.txt")


@given(st.binary(max_size=400))
def test_any_bytes_decode_or_raise_input_error(data: bytes) -> None:
    try:
        decoded = decode_text(data, "a.txt")
    except InputError:
        return
    assert "\r" not in decoded.text
    assert decoded.text.strip()
