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

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UserError
from ..settings import Settings
from .classifiers import FrameClassifier, make_classifier, silero_model_path
from .smart_turn import TurnJudge
from .transcriber import Transcriber
from .voiceprint import VoiceEncoder


def check_models(settings: Settings, model_dir: Path) -> None:
    """What can be told without loading anything: each model the settings ask for is there."""
    from . import smart_turn, transcriber, voiceprint

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


class SessionModels:
    """The models a session's settings ask for, loading; the proxies the loop is given. The
    caller runs `check_models` first, before it makes the session's folder."""

    def __init__(self, settings: Settings, model_dir: Path) -> None:
        s = settings
        builders: dict[str, Callable[[], Any]] = {
            "classifier": lambda: make_classifier(s.vad, s.webrtc_aggressiveness, s.silero_threshold),
        }
        if s.smart_turn:
            builders["judge"] = _smart_turn
        if s.voice_check:
            builders["voices"] = _voiceprints
        builders["whisper"] = lambda: _whisper(model_dir, s.threads, s.language)
        self.loading = BackgroundModels(builders)
        self.classifier = LazyClassifier(self.loading)
        self.judge = LazyJudge(self.loading) if s.smart_turn else None
        self.voices = LazyEncoder(self.loading) if s.voice_check else None
        self.transcriber = LazyTranscriber(self.loading)

    def close(self) -> None:
        self.loading.close()


def _smart_turn() -> TurnJudge:
    from .smart_turn import SmartTurn

    return SmartTurn()


def _voiceprints() -> VoiceEncoder:
    from .voiceprint import Voiceprints

    return Voiceprints()


def _whisper(model_dir: Path, threads: int, language: str) -> Transcriber:
    from .transcriber import WhisperTranscriber

    return WhisperTranscriber(model_dir, threads, language)
