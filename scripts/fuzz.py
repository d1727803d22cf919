"""Coverage-guided fuzzing of the readers and the cleaner with atheris.

    python scripts/fuzz.py [-atheris_runs=N] [-max_total_time=SECONDS] [CORPUS_DIR …]

Each input is split into a reader choice (first byte) and a file's bytes; the file goes
through that reader, then every article through `clean` and `split_segments`. A reader
may reject a file (`InputError`); any other exception is a crash, which atheris reports
with the input that caused it (saved as `crash-*`). Seed the corpus with the sample
articles: `python scripts/fuzz.py fuzz-corpus/` after copying `seeds/*` into it.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["digest"]):
    from digest.clean import clean
    from digest.errors import InputError
    from digest.ingest import READERS
    from digest.ingest.files import InputFile
    from digest.model import Article
    from digest.segment import split_segments

SUFFIXES = sorted(READERS)


def test_one_input(data: bytes) -> None:
    if not data:
        return
    suffix = SUFFIXES[data[0] % len(SUFFIXES)]
    try:
        outcomes = READERS[suffix](InputFile(name=f"fuzz{suffix}", data=data[1:]))
    except InputError:
        return
    for outcome in outcomes:
        if isinstance(outcome, Article):
            split_segments(clean(outcome))


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
