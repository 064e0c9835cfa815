"""What outlives a session besides its log: the safety note's acknowledgement, and the requests
one partner gave the other as a gift. Plain private files in the data folder."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..files import is_unicode, open_regular, read_capped

ACK_FILE = "first-use-acknowledged.json"
REQUESTS_FILE = "requests.jsonl"
MAX_REQUESTS_BYTES = 8 << 20
_REQUEST_FIELDS = ("date", "from", "to", "request")  # what `voice-coach requests` shows


def write_private(path: Path, text: str, append: bool = False) -> None:
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_TRUNC)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, flags, 0o600)
        with os.fdopen(fd, "a" if append else "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror}") from None


class Keepsakes:
    def __init__(self, data_dir: Path) -> None:
        self.dir = data_dir

    def acknowledged(self) -> bool:
        return (self.dir / ACK_FILE).is_file()

    def acknowledge(self, when: dt.datetime | None = None) -> None:
        stamp = (when or dt.datetime.now()).isoformat(timespec="seconds")
        write_private(self.dir / ACK_FILE, json.dumps({"acknowledged": stamp}) + "\n")

    def keep_request(self, text: str, giver: str, receiver: str, session: str) -> None:
        record = {
            "date": dt.date.today().isoformat(), "from": receiver, "to": giver, "request": text,
            "session": session,
        }
        write_private(self.dir / REQUESTS_FILE, json.dumps(record, ensure_ascii=False) + "\n", True)

    def requests(self) -> list[dict[str, Any]]:
        """The requests kept; a damaged line (or file) is left out, never an error: the file is
        read as session logs are (a regular file, up to a size, links not followed)."""
        try:
            fd = open_regular(self.dir / REQUESTS_FILE, follow_links=False)
        except OSError:
            return []
        try:
            data = read_capped(fd, MAX_REQUESTS_BYTES)[:MAX_REQUESTS_BYTES]
        finally:
            os.close(fd)
        lines = data.decode("utf-8", errors="replace").split("\n")
        return [r for r in map(_request, lines) if r is not None]


def _request(line: str) -> dict[str, str] | None:
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):
        return None
    if not isinstance(record, dict) or not all(isinstance(record.get(k), str) for k in _REQUEST_FIELDS):
        return None
    return {k: record[k] for k in _REQUEST_FIELDS} if is_unicode(record) else None
