"""espeak-ng through pyttsx3: the voice every machine has (the fallback when no neural voice is
installed, and the partners' voices of the demo and the tests).

pyttsx3 shares one engine per process and is not thread-safe, so every synthesis, by any
EspeakSynth, goes through one lock.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UserError

_DEFAULT_VOICE: str | None = None
_SYNTH_LOCK = threading.RLock()  # the one pyttsx3 engine of the process
_ENGINE_ID: str | None = None
_ENGINE: Any = None  # kept for the process: a new one would reset espeak's voice and rate
_LAST_SETTINGS: tuple[str | None, int | None] | None = None  # of the engine's last phrase


def engine_identity() -> str:
    """pyttsx3's version, its driver and the espeak-ng library's own version: a new synthesiser
    may sound different, so cached cues are keyed by it."""
    global _ENGINE_ID
    if _ENGINE_ID is None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            parts = [f"pyttsx3 {version('pyttsx3')}"]
        except PackageNotFoundError:
            parts = ["pyttsx3"]
        parts.append(platform.system())
        with contextlib.suppress(Exception):  # the same library pyttsx3's espeak driver loads
            from pyttsx3.drivers import _espeak

            info = _espeak.Info(None)
            parts.append(f"espeak {info.decode(errors='replace') if info else '?'}")
        _ENGINE_ID = " / ".join(parts)
    return _ENGINE_ID


def _quiet_drivers() -> None:
    """pyttsx3's drivers print a line for every file they save. Swapping sys.stdout around a
    synthesis would also swallow the console's own lines printed meanwhile by other threads, so
    `print` is shadowed in the driver modules alone."""
    for name in ("espeak", "nsss", "sapi5", "avspeech"):
        module = sys.modules.get(f"pyttsx3.drivers.{name}")
        if module is not None:
            module.print = _no_print  # type: ignore[attr-defined]


def _espeak() -> Any:
    """pyttsx3's espeak binding, once its driver is loaded (None with other drivers)."""
    return sys.modules.get("pyttsx3.drivers._espeak")


def _until(done: Callable[[], bool], timeout: float = 0.5) -> bool:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.002)
    return True


def _no_print(*args: object, **kwargs: object) -> None:
    pass


def _wait_for_wav(path: Path, timeout: float) -> bool:
    """True once `path` is a WAV with audio whose size has stopped changing."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        size = path.stat().st_size if path.exists() else 0
        if size > 44 and size == last:
            return True
        last = size
        time.sleep(0.02)
    return False


class EspeakSynth:
    """One espeak-ng voice at one rate (words a minute)."""

    def __init__(self, voice: str | None = None, rate: int | None = None) -> None:
        global _DEFAULT_VOICE, _ENGINE
        with _SYNTH_LOCK:
            if _ENGINE is None:
                try:
                    import pyttsx3

                    _ENGINE = pyttsx3.init()
                except Exception as e:  # no espeak-ng / SAPI / NSSpeech underneath
                    raise UserError(f"speech synthesis is not available ({e}); install espeak-ng") from None
            self._engine = _ENGINE
            # pyttsx3 shares one engine per process: remember its own default voice, so a synth
            # without a choice sounds the same whichever voices were used before it.
            if _DEFAULT_VOICE is None:
                _DEFAULT_VOICE = self._engine.getProperty("voice")
            _quiet_drivers()
        self._voice, self._rate = voice or _DEFAULT_VOICE, rate
        self.rate = rate
        self.name = voice or "espeak"
        self.identity = engine_identity()

    def synthesise(self, text: str) -> np.ndarray:
        """The phrase as 16 kHz mono int16, as espeak renders it (silence around it kept)."""
        from ..hearing.audio_source import load_audio

        _check_room(Path(tempfile.gettempdir()))
        fd, name = tempfile.mkstemp(suffix=".wav", prefix="voice-coach-")
        os.close(fd)
        path = Path(name)
        try:
            with _SYNTH_LOCK:
                self._synthesise_to(text, path)
            return load_audio(path)
        finally:
            path.unlink(missing_ok=True)

    def _synthesise_to(self, text: str, path: Path) -> None:
        """Write the phrase to `path`; the caller holds the engine's lock."""
        global _LAST_SETTINGS
        if (self._voice, self._rate) != _LAST_SETTINGS:
            # The first phrase after another voice or rate often keeps the old rate, however it
            # is set (6 times in 10 when two voices took turns, which a cached cue would keep):
            # a throwaway phrase goes first.
            self._set_properties()
            self._attempt(".", path)
            _LAST_SETTINGS = (self._voice, self._rate)
        # pyttsx3's espeak driver may return from runAndWait before its callback has written
        # the file, its "finished" notices are not tied to a phrase, and under load its loop
        # can even end before the phrase starts: wait for the file, and ask again if need be.
        for _attempt in range(4):
            self._set_properties()
            if self._attempt(text, path):
                break
        else:
            raise UserError(f"speech synthesis did not finish for: {text[:40]}")

    def _attempt(self, text: str, path: Path) -> bool:
        path.write_bytes(b"")  # (keeps the file owner-only) so that a retry waits for its own phrase
        self._engine.save_to_file(text, str(path))
        self._engine.runAndWait()
        return _wait_for_wav(path, timeout=4.0)

    def _set_properties(self) -> None:
        """pyttsx3 shares one engine per process, so set this voice's properties every time.
        With espeak, straight into espeak once it is idle: pyttsx3's own setProperty waits in
        a queue that runAndWait empties when the driver still counts itself busy, and the phrase
        then had the previous voice or rate (6 times in 10 when two voices took turns, which a
        cached cue would keep)."""
        espeak = _espeak()
        if espeak is None:
            if self._voice:
                self._engine.setProperty("voice", self._voice)
            if self._rate:
                self._engine.setProperty("rate", self._rate)
            return
        _until(lambda: not espeak.IsPlaying())
        if self._voice:
            espeak.SetVoiceByName(self._voice.encode("utf-8"))
        if self._rate:
            espeak.SetParameter(espeak.RATE, self._rate, 0)



# Room a phrase needs while it is synthesised (a long cue is under 1 MB): with less, espeak's
# write fails inside pyttsx3's loop, which then never returns, and the session would hang.
SYNTH_ROOM = 8 * 1024 * 1024


def _check_room(folder: Path) -> None:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return  # cannot tell: try, as before
    if free < SYNTH_ROOM:
        raise UserError(f"no room to synthesise the coach's voice: {free // 1024} KB free in {folder}; "
                        "free some space there (or set TMPDIR to a folder with room)")




@dataclass(frozen=True)
class EspeakVoice:
    id: str
    label: str
    language: str


def espeak_voices() -> list[EspeakVoice]:
    """espeak-ng's voices as pyttsx3 lists them ([] when no speech engine is there)."""
    with _SYNTH_LOCK:
        try:
            EspeakSynth()
            voices = _ENGINE.getProperty("voices")
        except UserError:
            return []
    return [EspeakVoice(str(v.id), str(v.name), str((v.languages or [""])[0])) for v in voices]
