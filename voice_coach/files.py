"""Reading files that could be anything: a link to /dev/zero, a FIFO, a folder, binary or huge.

A settings file, a cue file or a session's log is read only when it is a regular file, and only up
to a size far above any real one, so a wrong path gives one clear line instead of a hang, a crash
or the whole memory.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path
from typing import Any

from .errors import UserError


def is_unicode(value: Any) -> bool:
    """Text (or JSON holding text) that can be written as UTF-8: not so for a lone surrogate,
    which JSON's "\\ud800" or a file name's undecodable bytes give."""
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError, TypeError, RecursionError):
        return False
    return True


def open_regular(path: Path | str, *, follow_links: bool = True, dir_fd: int | None = None) -> int:
    """A read-only descriptor of a regular file, or an OSError that says why not. Opening does not
    wait (O_NONBLOCK: a FIFO would block until someone writes to it)."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | (0 if follow_links else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags, dir_fd=dir_fd)
    except OSError as e:
        if e.errno == errno.ELOOP and not follow_links:
            raise OSError(errno.ELOOP, "it is a symbolic link, which is not followed") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OSError(errno.EINVAL, "it is not a regular file")
    return fd


def read_capped(fd: int, limit: int) -> bytes:
    """Up to `limit` + 1 bytes of an open file (one more than allowed says it is too large)."""
    chunks, left = [], limit + 1
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_text(path: Path, what: str, limit: int) -> str:
    """A small UTF-8 text file the user named (links followed), or a one-line UserError."""
    try:
        fd = open_regular(path)
        try:
            data = read_capped(fd, limit)
        finally:
            os.close(fd)
    except OSError as e:
        raise UserError(f"cannot read {what} {path}: {e.strerror or e}") from None
    if len(data) > limit:
        raise UserError(f"{what} {path} is larger than {limit // 1024} KB: is it the right file?")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"{what} {path} is not UTF-8 text (byte {e.start}): is it the right file?") from None
