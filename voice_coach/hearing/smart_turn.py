"""Smart Turn v3: does a partner's audio so far sound like a finished turn?

The model (8 MB ONNX, BSD-2, by Daily for Pipecat) is a Whisper-tiny encoder with a classifier
that hears prosody and words together. It ships inside the `pipecat-ai` wheel, which setup
installs without its dependencies; we only read the file from there and never import pipecat.
Input: the last 8 s of 16 kHz audio (left-padded with zeros when shorter), normalised to zero mean
and unit variance, as 80 Whisper log-mel bands x 800 frames; output: the probability that the
turn is complete. Some 30-80 ms on one CPU core.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import installed
from .classifiers import SAMPLE_RATE

MODEL_FILE = "smart-turn-v3.2-cpu.onnx"
PRECISE_INT8 = "session.x64quantprecision"  # onnxruntime's key: exact 8-bit products on AVX2
WINDOW_SECS = 8
_WINDOW = WINDOW_SECS * SAMPLE_RATE


class TurnJudge(Protocol):
    def probability(self, audio: np.ndarray) -> float: ...


def smart_turn_model_path() -> Path | None:
    """Where the installed pipecat-ai wheel keeps the model, found without importing pipecat."""
    spec = importlib.util.find_spec("pipecat")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        data = Path(root) / "audio" / "turn" / "smart_turn" / "data"
        if (data / MODEL_FILE).is_file():
            return data / MODEL_FILE
        later = sorted(data.glob("smart-turn-v3*-cpu.onnx"))  # a newer v3 in a newer wheel
        if later:
            return later[-1]
    return None


def require_model(path: Path | None = None) -> Path:
    """The model file, or the one-line error that says how to install it (checked before a
    session starts, while the model itself loads in the background)."""
    return installed(path or smart_turn_model_path(), "Smart Turn model", "pipecat-ai")


class SmartTurn:
    """The model loaded from a local file, run on the CPU."""

    def __init__(self, path: Path | None = None, threads: int = 1) -> None:
        import onnxruntime
        from faster_whisper.feature_extractor import FeatureExtractor

        path = require_model(path)
        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = threads
        opts.log_severity_level = 4
        # The model is quantised to 8 bits. On x86 processors without VNNI (AVX2 alone: many
        # laptops, AMD processors before Zen 4) onnxruntime's fast u8 x s8 products can
        # saturate, and the probability comes out up to 0.4 away from the exact kernels' (scripts/
        # bench_smart_turn_kernels.py); this asks for the exact u8 x u8 kernels there, a little
        # slower (no change on processors with VNNI).
        opts.add_session_config_entry(PRECISE_INT8, "1")
        self._session = onnxruntime.InferenceSession(
            str(path), providers=["CPUExecutionProvider"], sess_options=opts
        )
        # faster-whisper's extractor with an 8 s chunk gives the same 80 x 800 features as the
        # transformers WhisperFeatureExtractor the model was trained with (to 1e-5).
        self._features = FeatureExtractor(feature_size=80, chunk_length=WINDOW_SECS)

    def features(self, audio: np.ndarray) -> np.ndarray:
        """(80, 800) log-mel features of the last 8 s of `audio` (int16, or float in [-1, 1])."""
        x = audio.astype(np.float32)
        if audio.dtype == np.int16:
            x /= 32768.0
        x = x[-_WINDOW:]
        if len(x) < _WINDOW:
            x = np.pad(x, (_WINDOW - len(x), 0))
        x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
        return np.asarray(self._features(x, padding=0), dtype=np.float32)

    def probability(self, audio: np.ndarray) -> float:
        """The probability that the turn in `audio` (16 kHz mono, its end last) is complete."""
        if len(audio) == 0:
            return 0.0
        out = self._session.run(None, {"input_features": self.features(audio)[None]})[0]
        return float(np.asarray(out).reshape(-1)[0])
