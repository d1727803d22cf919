"""The project's exceptions: user-facing problems, kept apart from bugs."""

from __future__ import annotations


class DigestError(Exception):
    """A problem the user can fix; the CLI prints it as one line, without a traceback."""


class InputError(DigestError):
    """A problem with one input, reported and turned into a `Rejected` record."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}" if line else f"{path}: {reason}")
        self.path, self.line, self.reason = path, line, reason

    def __reduce__(self) -> tuple[type[InputError], tuple[str, int | None, str]]:
        """Pickle with the constructor's arguments: rejections come back from the workers
        of `digest.engine` (the default would call `InputError(message)`)."""
        return (InputError, (self.path, self.line, self.reason))


class ConfigError(DigestError):
    """The build's configuration is wrong; all problems are collected into one message."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems

    def __reduce__(self) -> tuple[type[ConfigError], tuple[list[str]]]:
        """Rebuilt from its problems when it crosses a process boundary."""
        return (ConfigError, (self.problems,))
