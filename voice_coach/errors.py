"""Errors meant for the user: the CLI prints their message on one line and exits non-zero."""


class UserError(Exception):
    """Something the user can fix (a missing device, model or file)."""


class DeviceLost(UserError):
    """The audio device went away in the middle of a session."""
