"""Per-frame speech classifiers: webrtcvad (tiny, fast) and Silero (robust in noisy rooms).

Both take 30 ms frames of 16 kHz int16 mono and answer voiced or not; the hysteresis lives in
speech_gate so the two are interchangeable.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import UserError

SAMPLE_RATE = 16000
FRAME_SAMPLES = 480  # 30 ms
# Silero's threshold and webrtcvad's aggressiveness as chosen in docs/benchmarks.md ("Turn-taking").
SILERO_THRESHOLD = 0.7
WEBRTC_AGGRESSIVENESS = 3


class FrameClassifier(Protocol):
    def is_speech(self, frame: np.ndarray) -> bool: ...


class WebRtcClassifier:
    def __init__(self, aggressiveness: int = WEBRTC_AGGRESSIVENESS) -> None:
        import webrtcvad

        self._vad = webrtcvad.Vad(aggressiveness)

    def is_speech(self, frame: np.ndarray) -> bool:
        return bool(self._vad.is_speech(frame.tobytes(), SAMPLE_RATE))


def silero_model_path() -> Path:
    """Silero's file in faster-whisper's assets, found without importing faster-whisper (slow)."""
    spec = importlib.util.find_spec("faster_whisper")
    roots = (spec.submodule_search_locations or []) if spec else []
    for root in roots:
        return Path(root) / "assets" / "silero_vad_v6.onnx"
    raise UserError("faster-whisper is not installed: run scripts/setup.sh")


class SileroClassifier:
    """Silero VAD v6 run frame by frame, carrying its recurrent state between calls.

    Digital silence (every sample zero: a muted microphone, a virtual device, a file's padding)
    is not run through the network but starts it afresh: after some 20 s of exact zeros its
    recurrent state drifts so far that it hears no speech at all after them."""

    _WINDOW = 512
    _CONTEXT = 64

    def __init__(self, threshold: float = SILERO_THRESHOLD, path: Path | None = None) -> None:
        import onnxruntime

        path = path or silero_model_path()
        if not path.exists():
            raise UserError(f"Silero VAD model not found at {path}")
        opts = onnxruntime.SessionOptions()
        opts.inter_op_num_threads = 1
        opts.intra_op_num_threads = 1
        opts.log_severity_level = 4
        self._session = onnxruntime.InferenceSession(
            str(path), providers=["CPUExecutionProvider"], sess_options=opts
        )
        self._threshold = threshold
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(self._CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._prob = 0.0

    def probability(self, frame: np.ndarray) -> float:
        self._pending = np.concatenate([self._pending, frame.astype(np.float32) / 32768.0])
        while len(self._pending) >= self._WINDOW:
            window, self._pending = self._pending[: self._WINDOW], self._pending[self._WINDOW :]
            if not window.any():
                self._h[:], self._c[:], self._context[:], self._prob = 0.0, 0.0, 0.0, 0.0
                continue
            x = np.concatenate([self._context, window])[None, :]
            out, self._h, self._c = self._session.run(
                None, {"input": x, "h": self._h, "c": self._c}
            )
            self._context = window[-self._CONTEXT :]
            self._prob = float(out.reshape(-1)[0])
        return self._prob

    def is_speech(self, frame: np.ndarray) -> bool:
        return self.probability(frame) >= self._threshold


def make_classifier(
    name: str, webrtc_aggressiveness: int = WEBRTC_AGGRESSIVENESS, silero_threshold: float = SILERO_THRESHOLD
) -> FrameClassifier:
    if name == "webrtc":
        return WebRtcClassifier(webrtc_aggressiveness)
    if name == "silero":
        return SileroClassifier(threshold=silero_threshold)
    raise UserError(f"unknown speech detector '{name}' (choose webrtc or silero)")
