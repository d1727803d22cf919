"""The project's errors cross process boundaries (the engine's workers) intact."""

from __future__ import annotations

import pickle

from digest.errors import ConfigError, InputError


def test_an_input_error_keeps_its_parts_through_pickling() -> None:
    error = pickle.loads(pickle.dumps(InputError("a.txt", 3, "not UTF-8")))  # noqa: S301 (our own bytes)
    assert (error.path, error.line, error.reason, str(error)) == (
        "a.txt",
        3,
        "not UTF-8",
        "a.txt:3: not UTF-8",
    )


def test_a_config_error_keeps_its_problems_through_pickling() -> None:
    original = ConfigError(["unknown locale: 'xx'", "no input given"])
    error = pickle.loads(pickle.dumps(original))  # noqa: S301 (our own bytes)
    assert error.problems == original.problems
    assert str(error) == str(original)
