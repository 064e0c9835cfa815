"""What outlives a session besides its log: the safety note's acknowledgement, and the requests
one partner gave the other as a gift. Plain private files in the data folder."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from .errors import UserError

ACK_FILE = "first-use-acknowledged.json"
REQUESTS_FILE = "requests.jsonl"


def _write_private(path: Path, text: str, append: bool = False) -> None:
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
        _write_private(self.dir / ACK_FILE, json.dumps({"acknowledged": stamp}) + "\n")

    def keep_request(self, text: str, giver: str, receiver: str, session: str) -> None:
        record = {
            "date": dt.date.today().isoformat(), "from": receiver, "to": giver, "request": text,
            "session": session,
        }
        _write_private(self.dir / REQUESTS_FILE, json.dumps(record, ensure_ascii=False) + "\n", True)

    def requests(self) -> list[dict[str, Any]]:
        path = self.dir / REQUESTS_FILE
        if not path.is_file():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out
