"""JSON lines and JSON files: one article per record, a broken record rejected alone."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest

from digest.errors import InputError
from digest.ingest import read_inputs
from digest.ingest.files import InputFile, Outcome
from digest.ingest.jsonl import read_json, read_jsonl
from digest.model import Article, IngestResult


def _jsonl(*lines: str) -> list[Outcome]:
    return read_jsonl(InputFile(name="wire.jsonl", data="\n".join(lines).encode("utf-8")))


def _json(value: object) -> list[Outcome]:
    data = json.dumps(value, indent=2).encode("utf-8")
    return read_json(InputFile(name="export.json", data=data))


def _by_id(result: IngestResult) -> dict[str, Article]:
    return {article.id: article for article in result.articles}


@pytest.fixture
def wire(data_dir: Path) -> IngestResult:
    return read_inputs([data_dir / "ingest" / "wire.jsonl"])


def test_broken_jsonl_line_is_rejected_with_its_line_number(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = data_dir / "bad" / "broken.jsonl"
    with caplog.at_level(logging.WARNING, logger="digest.ingest"):
        result = read_inputs([path])
    [rejected] = result.rejected
    assert (rejected.input, rejected.line) == ("broken.jsonl", 7)
    assert rejected.reason == "invalid JSON: Expecting ',' delimiter (column 71)"
    assert [record.getMessage() for record in caplog.records] == [
        f"{path.as_posix()}:7: invalid JSON: Expecting ',' delimiter (column 71)"
    ]


def test_records_around_a_broken_line_still_count(data_dir: Path) -> None:
    result = read_inputs([data_dir / "bad" / "broken.jsonl"])
    assert [a.id for a in result.articles] == [f"ap-0117-0{n}" for n in (1, 2, 3, 4, 5, 6, 8, 9)]
    assert [a.origin.line for a in result.articles] == [1, 2, 3, 4, 5, 6, 8, 9]


def test_broken_line_keeps_the_json_error_as_its_cause() -> None:
    [error] = _jsonl('{"title": "Idlib" "text": "…"}')
    assert isinstance(error, InputError)
    assert isinstance(error.__cause__, json.JSONDecodeError)


def test_record_fields_and_their_aliases_are_read(wire: IngestResult) -> None:
    article = _by_id(wire)["afp-20200117-0042"]
    assert article.title == "UN rights chief Bachelet calls for immediate end to Idlib fighting"
    assert article.source == "Agence France-Presse"
    assert article.published == date(2020, 1, 17)  # published_at, with its +01:00 kept
    assert article.url == "https://wire.example/afp/20200117-0042"
    assert article.language == "en"
    assert article.author == "AFP Geneva desk"
    assert article.text.startswith("GENEVA (AFP) - UN human rights chief Michelle Bachelet")
    assert article.origin.line == 1


def test_record_without_its_own_id_is_named_by_its_record_number(wire: IngestResult) -> None:
    # line 4 is the third record: the blank line 3 is no record
    article = _by_id(wire)["wire.jsonl:3"]
    assert article.origin.line == 4
    assert article.source == "Wire Service Digest"  # publisher
    assert article.url == "https://wire.example/digest/aleppo-ground-offensive"  # link
    assert article.published == date(2020, 1, 17)  # "Jan 17, 2020"


def test_source_stated_as_an_object_gives_its_name(wire: IngestResult) -> None:
    assert _by_id(wire)["reu-idlib-0117-3"].source == "Reuters"


def test_html_in_a_text_field_is_reduced_to_text_with_a_note(wire: IngestResult) -> None:
    article = _by_id(wire)["afp-20200117-0057"]
    assert article.text == (
        "Some 350,000 Syrians, mostly women and children, have fled a renewed Russian-backed"
        " offensive in Idlib since early December, the UN said on Thursday.\n\n"
        "The UN Office for the Coordination of Humanitarian Affairs said conditions were"
        " deteriorating."
    )
    assert article.notes == ("reduced HTML in the 'body' field to text",)


def test_headline_only_record_with_empty_text_is_kept(wire: IngestResult) -> None:
    article = _by_id(wire)["reu-idlib-0117-4"]
    assert (article.title, article.text) == ("Idlib market strike toll rises", "")


def test_unreadable_date_is_noted_not_rejected(wire: IngestResult) -> None:
    article = _by_id(wire)["afp-20200117-0090"]
    assert article.published is None
    assert article.notes == ("ignored unreadable date 'sometime on Friday'",)


def test_record_without_a_text_field_is_rejected(wire: IngestResult) -> None:
    [rejected] = wire.rejected
    assert (rejected.input, rejected.line, rejected.reason) == (
        "wire.jsonl",
        8,
        "no text field (text, body or content)",
    )


def test_line_that_is_not_an_object_is_rejected() -> None:
    outcomes = _jsonl('{"text": "Idlib."}', '["not", "an", "object"]')
    assert isinstance(outcomes[0], Article)
    assert str(outcomes[1]) == "wire.jsonl:2: expected a JSON object, not an array"


def test_text_field_that_is_not_text_is_rejected() -> None:
    [error] = _jsonl('{"title": "Idlib", "text": {"en": "…"}}')
    assert str(error) == "wire.jsonl:1: 'text' field is not text"


def test_text_given_as_a_list_of_paragraphs_is_joined() -> None:
    [article] = _jsonl('{"text": ["First paragraph.", "Second paragraph."]}')
    assert isinstance(article, Article)
    assert article.text == "First paragraph.\n\nSecond paragraph."


def test_numeric_id_is_used_as_text() -> None:
    [article] = _jsonl('{"id": 8812, "text": "Idlib."}')
    assert isinstance(article, Article)
    assert article.id == "8812"


def test_id_of_the_wrong_kind_falls_back_to_the_record_number_with_a_note() -> None:
    [article] = _jsonl('{"id": ["a"], "text": "Idlib."}')
    assert isinstance(article, Article)
    assert article.id == "wire.jsonl:1"
    assert article.notes == ("ignored 'id' field that is not a string or number",)


def test_huge_integer_is_rejected_not_raised() -> None:
    [error] = _jsonl('{"text": "Idlib.", "views": ' + "9" * 5000 + "}")
    assert isinstance(error, InputError)
    assert error.reason.startswith("invalid JSON: Exceeds the limit")


def test_deeply_nested_line_is_rejected_not_raised() -> None:
    [error] = _jsonl("[" * 100_000 + "]" * 100_000)
    assert str(error) == "wire.jsonl:1: invalid JSON: nested too deeply"


def test_duplicate_id_across_files_is_rejected_naming_the_first(tmp_path: Path) -> None:
    record = json.dumps({"id": "afp-1", "text": "Idlib."})
    (tmp_path / "a.jsonl").write_text(record + "\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text("\n" + record + "\n", encoding="utf-8")
    result = read_inputs([tmp_path])
    [article] = result.articles
    assert str(article.origin) == "a.jsonl:1"
    [rejected] = result.rejected
    assert (rejected.input, rejected.line, rejected.reason) == (
        "b.jsonl",
        2,
        "duplicate article id 'afp-1' (first read from a.jsonl:1)",
    )


def test_json_array_records_are_numbered_and_located(data_dir: Path) -> None:
    result = read_inputs([data_dir / "ingest" / "agency-export.json"])
    assert [(a.id, a.origin.line) for a in result.articles] == [
        ("agency-export.json:1", 2),
        ("agency-export.json:2", 10),
    ]
    assert result.articles[1].published == date(2020, 1, 17)
    [rejected] = result.rejected
    assert (rejected.input, rejected.line, rejected.reason) == (
        "agency-export.json",
        17,
        "no text field (text, body or content)",
    )


def test_json_object_listing_articles_is_read_like_an_array(data_dir: Path) -> None:
    result = read_inputs([data_dir / "ingest" / "newsapi-top-headlines.json"])
    assert [(a.id, a.source, a.published) for a in result.articles] == [
        ("newsapi-top-headlines.json:1", "The National", date(2020, 1, 17)),
        ("newsapi-top-headlines.json:2", "The Moscow Times", date(2020, 1, 17)),
    ]
    assert result.articles[0].author == "Nada AlTaher"
    assert result.rejected == ()


def test_listed_record_without_a_line_is_named_by_its_number() -> None:
    outcomes = _json({"items": [{"text": "Idlib."}, {"title": "No body"}]})
    assert str(outcomes[1]) == "export.json: record 2: no text field (text, body or content)"


def test_single_json_object_is_one_article_named_like_a_file() -> None:
    [article] = _json({"title": "Idlib", "text": "Some 350,000 have fled."})
    assert isinstance(article, Article)
    assert article.id == "export.json"


def test_invalid_json_file_is_rejected_with_line_and_column() -> None:
    data = b'[\n  {"title": "Idlib",\n   "text": "x",,}\n]\n'
    with pytest.raises(InputError) as caught:
        read_json(InputFile(name="export.json", data=data))
    assert str(caught.value) == (
        "export.json:3: invalid JSON: Expecting property name enclosed in double quotes (column 16)"
    )


def test_json_scalar_is_rejected() -> None:
    with pytest.raises(InputError, match=r"^export\.json:1: expected a JSON object or array, "):
        _json("just a string")


def test_empty_json_array_is_rejected() -> None:
    with pytest.raises(InputError, match=r"^export\.json: no articles in the JSON file$"):
        _json([])
