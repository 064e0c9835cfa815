"""The partners' voices kept between sessions, only with their consent (issue 14).

Voiceprints are biometric. They are written only when the couple said yes to keeping them, into
one owner-only file in the data folder, and `voice-coach forget --voices` (or `--all`) deletes it.
A "no" is remembered too (without anything about a voice), so that the couple is asked once.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ..files import open_regular, read_capped
from ..hearing.partner_voices import Hello
from ..hearing.voiceprint import DIMENSIONS, ENCODER
from .keepsakes import write_private

VOICES_FILE = "partner-voices.json"
_MAX_BYTES = 1 << 20


class VoiceStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / VOICES_FILE

    def _read(self) -> dict[str, Any]:
        if not self.path.is_file():
            return {}
        try:
            fd = open_regular(self.path)
            try:
                raw = read_capped(fd, _MAX_BYTES)
            finally:
                os.close(fd)
            data = json.loads(raw)
        except (OSError, ValueError):
            return {}  # unreadable: asked again, and rewritten if they agree
        return data if isinstance(data, dict) else {}

    def choice(self) -> bool | None:
        """Whether the couple agreed to keep their voices (None: never asked)."""
        keep = self._read().get("keep")
        return keep if isinstance(keep, bool) else None

    def hellos(self, names: tuple[str, ...]) -> dict[str, Hello]:
        """The kept hellos of these partners (those kept, by name)."""
        out: dict[str, Hello] = {}
        data = self._read()
        if data.get("encoder") != ENCODER:  # kept by another voiceprint model: not comparable
            return out
        voices = data.get("voices", {})
        for name in names:
            v = voices.get(name) if isinstance(voices, dict) else None
            if not isinstance(v, dict):
                continue
            try:
                vector = np.asarray(v["vector"], dtype=np.float32)
                level = float(v["level"])
            except (TypeError, KeyError, ValueError):
                continue
            if vector.shape == (DIMENSIONS,) and np.isfinite(vector).all():
                out[name] = Hello(vector, level)
        return out

    def keep(self, hellos: dict[str, Hello]) -> None:
        """They said yes: their hellos are kept (with any other partner's kept before)."""
        before = self._read()
        same_model = before.get("keep") is True and before.get("encoder") == ENCODER
        voices = before.get("voices") if same_model else None
        voices = dict(voices) if isinstance(voices, dict) else {}
        for name, h in hellos.items():
            voices[name] = {"vector": [round(float(x), 6) for x in h.vector], "level": round(h.level, 2)}
        self._write({"keep": True, "encoder": ENCODER, "voices": voices})

    def refuse(self) -> None:
        """They said no: nothing about a voice is written, and any voice kept before is deleted."""
        self._write({"keep": False})

    def _write(self, data: dict[str, Any]) -> None:
        data["at"] = dt.datetime.now().isoformat(timespec="seconds")
        write_private(self.path, json.dumps(data) + "\n")

    def forget(self) -> bool:
        """Delete the kept voices and the choice; whether there was anything."""
        had = self.path.exists()
        self.path.unlink(missing_ok=True)
        return had
