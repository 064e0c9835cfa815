"""A session's events, one JSON line each, written as they happen: a crash loses at most one line.

Folders and files are created readable by their owner alone. Each event goes to the file with one
`os.write` (no buffer in this process), so Ctrl-C, SIGKILL or a pulled-out microphone leave every
earlier event on disk; `close()` also asks the disk to keep them (fsync).

A log is created before its session starts, and a data folder where it cannot be (read-only, a
plain file, /proc) stops the session before it starts, in one line. When a write fails later
(a full disk, a removed drive), the session goes on: one line on stderr says so, the events wait
in memory, and each later event (and `close()`) tries again to write them all, in order, without
losing or repeating a byte; what is still unsaved at the end is told by `loss()`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import math
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..files import is_unicode, open_regular, read_capped

EVENTS_FILE = "events.jsonl"


def default_data_dir() -> Path:
    env = os.environ.get("VOICE_COACH_DATA")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("voice-coach", appauthor=False))


def _make_private_dir(path: Path) -> None:
    """Make `path` owner-only; the folders made on the way there are owner-only too."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for p in reversed(missing):
        with contextlib.suppress(FileExistsError):
            p.mkdir(mode=0o700)
            p.chmod(0o700)
    path.chmod(0o700)


def private_dir(path: Path) -> Path:
    try:
        _make_private_dir(path)
    except OSError as e:
        raise UserError(f"cannot create data folder {path}: {e.strerror}") from None
    return path


def _claim_folder(wanted: Path) -> Path:
    """Make a new private folder named `wanted` (or `wanted_2`, `_3`, ... if taken) and return it."""
    _make_private_dir(wanted.parent)
    folder, n = wanted, 1
    while True:
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            n += 1
            folder = wanted.with_name(f"{wanted.name}_{n}")
            continue
        folder.chmod(0o700)
        return folder


_HELD = {signal.SIGINT, signal.SIGTERM}


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM for the few instructions between writing bytes and noting it."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover (Windows)
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


class SessionLog:
    def __init__(self, folder: Path, *, new: bool = False) -> None:
        """Log into `folder`; with `new`, the folder is a name to claim (suffixed if taken). The
        folder and the file are made now: a UserError if they cannot be."""
        self.folder = folder
        self.path = folder / EVENTS_FILE
        self._new = new
        self._pending = bytearray()  # encoded events not yet on disk
        self._problem: str | None = None  # why the last write failed, while events wait
        self._warned = False
        self._closed = False
        self._events = 0  # written so far, saved or not
        try:
            self._fd: int | None = self._open()
        except OSError as e:
            raise UserError(f"cannot save sessions in {self.folder.parent.parent if new else self.folder}: "
                            f"{e.strerror or e}; give a folder you can write with --data-dir") from None

    @classmethod
    def create(cls, data_dir: Path, now: dt.datetime | None = None) -> SessionLog:
        stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d_%H-%M-%S")
        return cls(data_dir / "sessions" / stamp, new=True)

    def loss(self) -> str | None:
        """One line on the events that could not be saved, and on what was; None if all were."""
        if self.saved:
            return None
        if not self._pending:  # every event went out, but the disk did not confirm it (fsync)
            return f"this session's log {self.path} may not be wholly on disk ({self._problem})"
        lost = self._pending.count(b"\n")
        kept = self._events - lost
        where = f"the {kept} before them are kept in {self.path}" if kept > 0 else "nothing of it was saved"
        return f"{lost} event(s) of this session could not be saved ({self._problem}); {where}"

    @property
    def saved(self) -> bool:
        """True when every event written so far is in the file."""
        return not self._pending and self._problem is None

    def write(self, event: str, t: float, **fields: Any) -> None:
        record = {"type": event, "t": round(t, 3), **fields}
        self._pending += (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")
        self._events += 1
        self._drain()

    def keep_audio(self, name: str, audio: Any, rate: int = 16000) -> None:
        """A turn's audio as a private WAV beside the log: only when the user asked for it."""
        import soundfile as sf

        folder = self.folder / "audio"
        try:
            _make_private_dir(folder)
            fd = os.open(folder / f"{name}.wav", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as f:
                sf.write(f, audio, rate, format="WAV", subtype="PCM_16")
        except OSError as e:
            print(f"voice-coach: warning: cannot keep the audio of {name}: {e.strerror}", file=sys.stderr)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._drain()
        if self._fd is not None:
            try:
                os.fsync(self._fd)
            except OSError as e:
                self._fail(e)  # closes the file
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _open(self) -> int:
        if self._new:
            self.folder = _claim_folder(self.folder)
            self.path = self.folder / EVENTS_FILE
            self._new = False
        else:
            _make_private_dir(self.folder)
        return os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    def _drain(self) -> None:
        """Write what waits; on failure keep it (bytes already written are not written again)."""
        try:
            if self._fd is None:
                self._fd = self._open()
            while self._pending:
                with _signals_held():  # Ctrl-C between write and del would write bytes twice
                    n = os.write(self._fd, self._pending)
                    del self._pending[:n]
        except OSError as e:
            self._fail(e)
            return
        self._problem = None

    def _fail(self, e: OSError) -> None:
        self._problem = e.strerror or str(e)
        if self._fd is not None:  # a removed drive needs a fresh file on the next try
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None
        if not self._warned:
            self._warned = True
            print(
                f"voice-coach: warning: cannot save this session in {self.folder} ({self._problem}); "
                "the session goes on and is kept in memory until it can be saved.",
                file=sys.stderr, flush=True,
            )


MAX_LOG_BYTES = 32 << 20  # a two-hour session writes well under 1 MB
_LARGEST_WHOLE = 2**53  # beyond it a number in a log is garbage (and SQLite's INTEGER overflows)


@dataclass
class LogRead:
    """What could be read of one session's log, and what could not."""

    events: list[dict[str, Any]] = field(default_factory=list)
    damaged: int = 0  # complete lines that are not a readable event (a crash cuts only the last)
    too_large: bool = False  # only the first MAX_LOG_BYTES were read
    unreadable: str | None = None  # why nothing could be read

    @property
    def problem(self) -> str | None:
        """One line on what is wrong with the log, or None when nothing is."""
        if self.unreadable:
            return f"its log cannot be read: {self.unreadable}"
        notes = [f"{self.damaged} damaged line(s) left out"] if self.damaged else []
        if self.too_large:
            notes.append(f"only its first {MAX_LOG_BYTES >> 20} MB read")
        return "; ".join(notes) or None


def _refuse(text: str) -> Any:
    raise ValueError(f"not a number a log holds: {text}")


def _finite(text: str) -> float:
    value = float(text)
    return value if math.isfinite(value) else _refuse(text)  # 1e999 reads as inf


def _whole(text: str) -> int:
    value = int(text)
    return value if abs(value) <= _LARGEST_WHOLE else _refuse(text)


def parse_event(line: str) -> dict[str, Any] | None:
    """One line as an event, or None when it is not one as this program writes them: JSON whose
    numbers are finite, whose text is valid Unicode, an object with a "type"."""
    try:
        event = json.loads(line, parse_constant=_refuse, parse_float=_finite, parse_int=_whole)
    except (ValueError, RecursionError):
        return None
    ok = isinstance(event, dict) and isinstance(event.get("type"), str) and is_unicode(event)
    return event if ok else None


def _read_capped_log(path: Path) -> bytes:
    """The log's first bytes, up to one more than MAX_LOG_BYTES. Neither the session's folder nor
    its log is followed if it is a link, and only a regular file is read: a log linked to
    /dev/zero or a FIFO would never end."""
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        fd = open_regular(path.name, follow_links=False, dir_fd=folder)
    finally:
        os.close(folder)
    try:
        return read_capped(fd, MAX_LOG_BYTES)
    finally:
        os.close(fd)


def read_log(path: Path) -> LogRead:
    """Every complete event of a log, and what could not be read; never raises for a log that is
    there (FileNotFoundError when it is not). A last line cut off by a crash is left out quietly."""
    try:
        data = _read_capped_log(path)
    except FileNotFoundError:
        raise
    except OSError as e:
        if path.parent.is_symlink():
            return LogRead(unreadable="its folder is a symbolic link, which is not followed")
        return LogRead(unreadable=e.strerror or str(e))
    read = LogRead(too_large=len(data) > MAX_LOG_BYTES)
    lines = data[:MAX_LOG_BYTES].decode("utf-8", errors="replace").split("\n")
    for n, line in enumerate(lines):
        if not line.strip():
            continue
        event = parse_event(line)
        if event is not None:
            read.events.append(event)
        elif n < len(lines) - 1:  # the last piece has no newline: a line a crash cut off
            read.damaged += 1
    return read


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every complete, readable event of a log (see read_log)."""
    return read_log(path).events
