"""A session's events, one JSON line each, flushed as written: a crash loses at most one line.

Folders and files are created readable by their owner alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any, TextIO

from .errors import UserError


def default_data_dir() -> Path:
    env = os.environ.get("VOICE_COACH_DATA")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("voice-coach", appauthor=False))


def private_dir(path: Path) -> Path:
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.chmod(0o700)
    except OSError as e:
        raise UserError(f"cannot create data folder {path}: {e.strerror}") from None
    return path


class SessionLog:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / "events.jsonl"
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        except OSError as e:
            raise UserError(f"cannot write session log {self.path}: {e.strerror}") from None
        self._file: TextIO = os.fdopen(fd, "a", encoding="utf-8")

    @classmethod
    def create(cls, data_dir: Path, now: dt.datetime | None = None) -> SessionLog:
        sessions = private_dir(data_dir / "sessions")
        stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d_%H-%M-%S")
        folder, n = sessions / stamp, 1
        while folder.exists():
            n += 1
            folder = sessions / f"{stamp}_{n}"
        private_dir(folder)
        return cls(folder)

    def write(self, event: str, t: float, **fields: Any) -> None:
        record = {"type": event, "t": round(t, 3), **fields}
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every complete event of a log; a last line cut off by a crash is left out."""
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events
