"""The coach's voice: pyttsx3 renders each phrase to audio once, so playback timing is exact."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from .errors import UserError

_DEFAULT_VOICE: str | None = None


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


class Voice:
    def __init__(self, voice: str | None = None, rate: int | None = None) -> None:
        import pyttsx3

        try:
            self._engine = pyttsx3.init()
        except Exception as e:  # no espeak-ng / SAPI / NSSpeech underneath
            raise UserError(f"speech synthesis is not available ({e}); install espeak-ng") from None
        # pyttsx3 shares one engine per process: remember its own default voice, so a Voice
        # without a choice sounds the same whichever voices were used before it.
        global _DEFAULT_VOICE
        if _DEFAULT_VOICE is None:
            _DEFAULT_VOICE = self._engine.getProperty("voice")
        self._voice, self._rate = voice or _DEFAULT_VOICE, rate
        self._cache: dict[str, np.ndarray] = {}

    def render(self, text: str) -> np.ndarray:
        """The phrase as 16 kHz mono int16, from the cache after the first time."""
        if text not in self._cache:
            self._cache[text] = self._synthesise(text)
        return self._cache[text]

    def _synthesise(self, text: str) -> np.ndarray:
        from .audio_source import load_audio

        fd, name = tempfile.mkstemp(suffix=".wav", prefix="voice-coach-")
        os.close(fd)
        path = Path(name)
        try:
            # pyttsx3 shares one engine per process, so set this voice's properties every time.
            if self._voice:
                self._engine.setProperty("voice", self._voice)
            if self._rate:
                self._engine.setProperty("rate", self._rate)
            # pyttsx3's espeak driver may return from runAndWait before its callback has written
            # the file, its "finished" notices are not tied to a phrase, and under load its loop
            # can even end before the phrase starts: wait for the file, and ask again if need be.
            for _attempt in range(4):
                with contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 announces every file
                    self._engine.save_to_file(text, str(path))
                    self._engine.runAndWait()
                    if _wait_for_wav(path, timeout=4.0):
                        break
            else:
                raise UserError(f"speech synthesis did not finish for: {text[:40]}")
            return trim_silence(load_audio(path))
        finally:
            path.unlink(missing_ok=True)


def trim_silence(audio: np.ndarray, threshold: int = 300) -> np.ndarray:
    """Drop the synthesiser's leading and trailing near-silence, so a cue starts on its first word."""
    loud = np.flatnonzero(np.abs(audio.astype(np.int32)) > threshold)
    if len(loud) == 0:
        return audio
    return audio[max(0, loud[0] - 80) : loud[-1] + 800]
