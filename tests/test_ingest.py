"""The ingest loop: the folder walk, article ids, sorting, rejections, and nothing lost."""

from __future__ import annotations

import json
import logging
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.errors import InputError
from digest.ingest import READERS, read_inputs
from digest.ingest.files import InputFile
from digest.ingest.jsonl import read_jsonl
from digest.input_listing import find_input_files, list_input_files
from digest.model import IngestResult

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
"""The team's labelled real news (`shared/datasets/README.md`), beside the checkout."""

ARTICLE = "Title: Idlib\nSource: AP\n\nSome 350,000 Syrians have fled.\n"


def _write(root: Path, name: str, content: str | bytes = ARTICLE) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def _accounted(result: IngestResult) -> set[str]:
    """Every file that ended somewhere: as an article's origin or as a rejection."""
    return {a.origin.path for a in result.articles} | {r.input for r in result.rejected}


def test_seeds_are_read_with_their_ids_and_dates(seeds_dir: Path) -> None:
    result = read_inputs([seeds_dir])
    assert result.rejected == ()
    assert [(a.id, a.published) for a in result.articles] == [
        ("000_60d6ce56c795b58e.txt", date(2020, 1, 17)),
        ("001_9f74695476fa3c8e.txt", None),
        ("002_c623d46ca901d4fa.txt", None),
        ("003_74ca848829909573.txt", date(2019, 12, 27)),
        ("004_c3037d0ae7c95c41.txt", None),
    ]


def test_ids_are_paths_relative_to_the_folder_with_slashes(tmp_path: Path) -> None:
    _write(tmp_path, "2020-01-17/reuters/idlib.txt")
    _write(tmp_path, "2020-01-17/ap.md", "# Idlib\n\nSome 350,000 Syrians have fled.\n")
    _write(tmp_path, "top.txt")
    result = read_inputs([tmp_path])
    assert [a.id for a in result.articles] == [
        "2020-01-17/ap.md",
        "2020-01-17/reuters/idlib.txt",
        "top.txt",
    ]
    assert result.articles[1].origin.path == "2020-01-17/reuters/idlib.txt"


def test_file_given_directly_is_named_by_its_file_name(tmp_path: Path) -> None:
    _write(tmp_path, "inbox/wire/idlib.txt")
    [article] = read_inputs([tmp_path / "inbox" / "wire" / "idlib.txt"]).articles
    assert article.id == "idlib.txt"


def test_hidden_files_and_folders_are_skipped(tmp_path: Path) -> None:
    _write(tmp_path, "idlib.txt")
    _write(tmp_path, ".DS_Store", b"\x00\x00\x00\x01Bud1")
    _write(tmp_path, ".git/HEAD", "ref: refs/heads/main\n")
    _write(tmp_path, "drafts/.idlib.txt.swp", b"b0VIM 8.2\x00")
    result = read_inputs([tmp_path])
    assert [a.id for a in result.articles] == ["idlib.txt"]
    assert result.rejected == ()


def test_results_are_sorted_by_id_whatever_the_input_order(tmp_path: Path) -> None:
    for name in ("c.txt", "a.txt", "b.txt"):
        _write(tmp_path, name)
    paths = [tmp_path / "c.txt", tmp_path / "a.txt", tmp_path / "b.txt"]
    assert [a.id for a in read_inputs(paths).articles] == ["a.txt", "b.txt", "c.txt"]


def test_suffix_is_matched_without_case(tmp_path: Path) -> None:
    _write(tmp_path, "IDLIB.TXT")
    assert [a.id for a in read_inputs([tmp_path]).articles] == ["IDLIB.TXT"]


def test_unknown_suffixes_are_rejected_with_the_suffix(tmp_path: Path) -> None:
    _write(tmp_path, "scan.pdf", b"%PDF-1.7\n")
    _write(tmp_path, "README", "notes\n")
    result = read_inputs([tmp_path])
    assert [(r.input, r.line, r.reason) for r in result.rejected] == [
        ("README", None, "unsupported file type (no file name suffix)"),
        ("scan.pdf", None, "unsupported file type '.pdf'"),
    ]


def test_missing_input_is_rejected_not_raised(tmp_path: Path) -> None:
    [rejected] = read_inputs([tmp_path / "nowhere.txt"]).rejected
    assert (rejected.input, rejected.reason) == ("nowhere.txt", "no such file or folder")


def test_symlink_cycle_is_walked_once(tmp_path: Path) -> None:
    _write(tmp_path, "inbox/idlib.txt")
    (tmp_path / "inbox" / "loop").symlink_to(tmp_path / "inbox", target_is_directory=True)
    assert [a.id for a in read_inputs([tmp_path / "inbox"]).articles] == ["idlib.txt"]


@pytest.mark.parametrize("root", [".", "inbox", "./inbox/", "inbox/../inbox", "ABSOLUTE"])
def test_listed_files_are_the_found_files_as_strings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, root: str
) -> None:
    """`list_input_files` (what a build with a state walks) names each file as
    `find_input_files` does, its absolute path as `Path.absolute` makes it."""
    for name in ("inbox/b.txt", "inbox/a/c.md", "inbox/a/.hidden.txt", "inbox/z/d.txt"):
        _write(tmp_path, name)
    (tmp_path / "inbox" / "link").symlink_to(tmp_path / "inbox" / "z", target_is_directory=True)
    monkeypatch.chdir(tmp_path / "inbox" if root == "." else tmp_path)
    given = tmp_path / "inbox" if root == "ABSOLUTE" else Path(root)
    paths = [given, Path("missing.txt"), given / "b.txt"]
    listed = [(f.path, f.absolute, f.name) for f in list_input_files(paths)]
    found = [(str(f.path), str(f.path.absolute()), f.name) for f in find_input_files(paths)]
    assert listed == found
    assert [name for _, _, name in listed] == [
        "a/c.md",
        "b.txt",
        "link/d.txt",  # z/ is the folder the link led to: walked once
        "missing.txt",
        "b.txt",
    ]
    assert found[1][0] == ("b.txt" if root == "." else str(given / "b.txt"))


def test_same_file_given_twice_is_rejected_as_a_duplicate(tmp_path: Path) -> None:
    _write(tmp_path, "idlib.txt")
    result = read_inputs([tmp_path, tmp_path / "idlib.txt"])
    assert [a.id for a in result.articles] == ["idlib.txt"]
    [rejected] = result.rejected
    assert rejected.reason == "duplicate article id 'idlib.txt' (first read from idlib.txt)"


def test_every_bad_input_is_rejected_with_its_reason(data_dir: Path) -> None:
    result = read_inputs([data_dir / "bad"])
    assert [(r.input, r.line, r.reason) for r in result.rejected] == [
        ("billion-laughs.rss", 3, "XML entity declarations are not allowed"),
        ("binary.bin", None, "unsupported file type '.bin'"),
        ("broken.jsonl", 7, "invalid JSON: Expecting ',' delimiter (column 71)"),
        ("empty.txt", None, "empty file"),
        ("front-matter.md", 2, "invalid YAML front matter: mapping values are not allowed here"),
        ("idlib-photo.txt", None, "binary file"),
        ("truncated.html", None, "no article text found in HTML"),
        ("truncated.rss", 6, "not a readable feed: unclosed token"),
    ]


def test_each_rejection_is_logged_with_path_and_line(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bad = data_dir / "bad"
    with caplog.at_level(logging.WARNING, logger="digest.ingest"):
        result = read_inputs([bad])
    ours = [r for r in caplog.records if r.name == "digest.ingest"]
    assert all(r.levelno == logging.WARNING for r in ours)
    assert sorted(r.getMessage() for r in ours) == sorted(
        f"{(bad / r.input).as_posix()}{f':{r.line}' if r.line else ''}: {r.reason}"
        for r in result.rejected
    )


@pytest.mark.parametrize("folder", ["ingest", "bad"])
def test_no_input_is_lost(data_dir: Path, folder: str) -> None:
    result = read_inputs([data_dir / folder])
    files = {p.name for p in (data_dir / folder).iterdir()}
    assert _accounted(result) == files
    ids = [a.id for a in result.articles]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)


def test_every_record_of_the_fixtures_is_counted_once(data_dir: Path) -> None:
    result = read_inputs([data_dir / "ingest", data_dir / "bad"])
    # ingest/: 2 txt + 2 md + 1 html + 7 jsonl + 3 + 2 json + 3 rss + 2 atom records;
    # bad/: 9 jsonl records + 8 other files
    assert len(result.articles) + len(result.rejected) == 22 + 17
    assert len(result.rejected) == 2 + 8


LINE_TEXT = st.text(alphabet=st.characters(blacklist_characters="\x00\r\n"), max_size=20)
"""Text for one JSON line: no NUL (that makes a binary file), no line break."""


@given(
    st.lists(
        st.one_of(
            st.just(""),
            LINE_TEXT,
            st.builds(lambda t: json.dumps({"text": t}), st.text(max_size=20)),
            st.builds(lambda t: json.dumps({"title": t}), st.text(max_size=20)),
        ),
        max_size=15,
    )
)
def test_every_jsonl_line_ends_as_an_article_or_a_rejection(lines: list[str]) -> None:
    file = InputFile(name="wire.jsonl", data="\n".join(lines).encode("utf-8"))
    records = [line for line in lines if line.strip()]
    if not records:
        with pytest.raises(InputError, match=r"^wire\.jsonl: empty file$"):
            read_jsonl(file)
        return
    assert len(read_jsonl(file)) == len(records)


def test_registry_covers_every_documented_suffix() -> None:
    documented = ".txt .md .markdown .html .htm .jsonl .ndjson .json .xml .rss .atom"
    assert sorted(READERS) == sorted(documented.split())


@pytest.mark.skipif(not (DATASETS / "ecbplus-dev").is_dir(), reason="shared datasets not here")
def test_ecbplus_articles_get_their_titles_and_sources() -> None:
    paths = sorted((DATASETS / "ecbplus-dev" / "articles").glob("*.txt"))[:20]
    result = read_inputs(paths)
    assert result.rejected == ()
    assert len(result.articles) == 20
    for path, article in zip(paths, result.articles, strict=True):
        first, second, *_ = path.read_text(encoding="utf-8").split("\n")
        if second.startswith("Source:"):  # title line, then headers
            assert article.title == " ".join(first.split())
            assert article.source == second.removeprefix("Source:").strip()
        else:  # the older half: text only, kept whole
            assert (article.title, article.source) == (None, None)
            assert article.text.startswith(first)
    assert sum(a.source is not None for a in result.articles) >= 5


@pytest.mark.skipif(not (DATASETS / "uci-headlines").is_dir(), reason="shared datasets not here")
def test_uci_headlines_get_their_titles_sources_and_dates() -> None:
    paths = sorted((DATASETS / "uci-headlines" / "articles").glob("*.txt"))[:20]
    result = read_inputs(paths)
    assert result.rejected == ()
    for path, article in zip(paths, result.articles, strict=True):
        title, source, published, *_ = path.read_text(encoding="utf-8").split("\n")
        assert article.title == " ".join(title.split())
        assert article.source == source.removeprefix("Source: ")
        assert article.published == date.fromisoformat(published.removeprefix("Date: "))
