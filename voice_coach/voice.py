"""The coach's voice: pyttsx3 renders each phrase to audio once, so playback timing is exact.

Rendering must never keep the coach silent at the start of a session (issue 12): the first cues
are rendered when asked, the rest in one background thread (`prefetch`), and with a `CueCache`
every rendering is kept on disk for the next session. pyttsx3 shares one engine per process and
is not thread-safe, so every synthesis, by any Voice, goes through one lock; a phrase being
rendered in one thread is waited for by another, never rendered twice.
"""

from __future__ import annotations

import contextlib
import os
import platform
import queue
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from .cue_cache import CueCache, cue_key
from .errors import UserError

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


class _Rendering:
    """A phrase being rendered by one thread, which others wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.audio: np.ndarray | None = None
        self.waiters = 0


class Voice:
    def __init__(
        self, voice: str | None = None, rate: int | None = None, cache: CueCache | None = None
    ) -> None:
        import pyttsx3

        global _DEFAULT_VOICE, _ENGINE
        with _SYNTH_LOCK:
            if _ENGINE is None:
                try:
                    _ENGINE = pyttsx3.init()
                except Exception as e:  # no espeak-ng / SAPI / NSSpeech underneath
                    raise UserError(f"speech synthesis is not available ({e}); install espeak-ng") from None
            self._engine = _ENGINE
            # pyttsx3 shares one engine per process: remember its own default voice, so a Voice
            # without a choice sounds the same whichever voices were used before it.
            if _DEFAULT_VOICE is None:
                _DEFAULT_VOICE = self._engine.getProperty("voice")
            _quiet_drivers()
        self._voice, self._rate = voice or _DEFAULT_VOICE, rate
        self._disk = cache
        self._memory: dict[str, np.ndarray] = {}
        self._rendering: dict[str, _Rendering] = {}
        self._state = threading.Lock()
        self._todo: queue.Queue[str | None] = queue.Queue()
        self._background: threading.Thread | None = None
        self._closed = threading.Event()
        self.synthesised = 0  # phrases actually synthesised (not found in memory or on disk)

    def render(self, text: str) -> np.ndarray:
        """The phrase as 16 kHz mono int16: from memory, the disk cache, another thread already
        rendering it, or synthesised now. Safe to call from any thread."""
        while True:
            with self._state:
                audio = self._memory.get(text)
                if audio is not None:
                    return audio
                ongoing = self._rendering.get(text)
                if ongoing is None:
                    mine = self._rendering[text] = _Rendering()
                else:
                    ongoing.waiters += 1
            if ongoing is None:
                return self._render_now(text, mine)
            ongoing.done.wait()
            if ongoing.audio is not None:
                return ongoing.audio
            # that attempt failed: try again here, so the error (if any) is raised in this thread

    def waiting(self, text: str) -> int:
        """How many threads wait for `text` to be rendered by another (for tests)."""
        with self._state:
            ongoing = self._rendering.get(text)
            return ongoing.waiters if ongoing else 0

    def prefetch(self, texts: Iterable[str]) -> None:
        """Render `texts`, in this order, in one background thread, into memory and the disk
        cache; a phrase asked for meanwhile is waited for, not rendered twice."""
        for text in dict.fromkeys(texts):
            self._todo.put(text)
        if self._background is None and not self._closed.is_set():
            self._background = threading.Thread(target=self._prefetch, name="cue-renderer", daemon=True)
            self._background.start()

    def close(self) -> None:
        """Stop rendering in the background (after the phrase under way)."""
        self._closed.set()
        self._todo.put(None)
        if self._background is not None:
            self._background.join(timeout=10)

    def _prefetch(self) -> None:
        while not self._closed.is_set() and (text := self._todo.get()) is not None:
            with contextlib.suppress(Exception):  # asked for in the foreground, it fails there
                self.render(text)

    def _render_now(self, text: str, mine: _Rendering) -> np.ndarray:
        try:
            audio = self._from_disk_or_synthesis(text)
            with self._state:
                self._memory[text] = mine.audio = audio
        finally:
            with self._state:
                del self._rendering[text]
            mine.done.set()
        return audio

    def _from_disk_or_synthesis(self, text: str) -> np.ndarray:
        if self._disk is None:
            return self._synthesise(text)
        key = cue_key(text, self._voice, self._rate, engine_identity())
        audio = self._disk.get(key)
        if audio is None:
            audio = self._synthesise(text)
            self._disk.put(key, audio)
        return audio

    def _synthesise(self, text: str) -> np.ndarray:
        from .audio_source import load_audio

        _check_room(Path(tempfile.gettempdir()))
        fd, name = tempfile.mkstemp(suffix=".wav", prefix="voice-coach-")
        os.close(fd)
        path = Path(name)
        try:
            with _SYNTH_LOCK:
                self._synthesise_to(text, path)
            return trim_silence(load_audio(path))
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
        self.synthesised += 1

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


def trim_silence(audio: np.ndarray, threshold: int = 300) -> np.ndarray:
    """Drop the synthesiser's leading and trailing near-silence, so a cue starts on its first word."""
    loud = np.flatnonzero(np.abs(audio.astype(np.int32)) > threshold)
    if len(loud) == 0:
        return audio
    return audio[max(0, loud[0] - 80) : loud[-1] + 800]
