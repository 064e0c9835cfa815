"""A voiceprint: 256 numbers that are close for two stretches of the same voice, so the coach can
tell which partner is speaking (and so that one cut in on the other).

The model is Resemblyzer's GE2E speaker encoder (Apache-2.0, 17 MB: 40 mel bands into three
LSTM layers of 256, then a linear layer). Its weights ship inside the `resemblyzer` wheel, which
setup installs without its dependencies (torch, librosa): we only read the file and run the
network here in numpy, some 45 ms per second of speech on one core (the loop hears at most the
last 3 s of each stretch). The file is PyTorch's legacy pickle format, read with an unpickler
that refuses everything but tensors and dicts, so the file cannot run code.

Voiceprints are biometric: they live in memory for the session, and only the partners' hellos are
ever written, when the couple agreed to it (records/voice_store.py).
"""

from __future__ import annotations

import collections
import importlib.util
import pickle
import struct
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import UserError, installed
from .classifiers import SAMPLE_RATE

MODEL_FILE = "pretrained.pt"
_HOP = SAMPLE_RATE // 100  # 10 ms
_WINDOW = SAMPLE_RATE * 25 // 1000  # 25 ms
_PARTIAL = 160  # frames (1.6 s) per partial utterance, as the model was trained
_PARTIAL_STEP = 96  # frames between partials (Resemblyzer's default rate of 1.3 a second)
_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64,
           "IntStorage": np.int32}


class VoiceEncoder(Protocol):
    def embed(self, audio: np.ndarray) -> np.ndarray: ...


def voiceprint_model_path() -> Path | None:
    """Where the installed resemblyzer wheel keeps the weights, found without importing it."""
    spec = importlib.util.find_spec("resemblyzer")
    for root in (spec.submodule_search_locations or []) if spec else []:
        if (Path(root) / MODEL_FILE).is_file():
            return Path(root) / MODEL_FILE
    return None


def require_model(path: Path | None = None) -> Path:
    """The weights file, or the one-line error that says how to install it."""
    return installed(path or voiceprint_model_path(), "voiceprint model", "resemblyzer")


def load_legacy_torch(path: Path) -> dict[str, Any]:
    """The tensors of a file written by torch.save's legacy format, as numpy arrays."""
    kinds: dict[str, str] = {}

    class _Unpickler(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                return lambda storage, offset, size, stride, *_: ("tensor", storage, offset, size, stride)
            if module == "torch" and name in _DTYPES:
                return name
            if (module, name) == ("collections", "OrderedDict"):
                return collections.OrderedDict
            raise pickle.UnpicklingError(f"{path.name}: unexpected {module}.{name}")

        def persistent_load(self, pid: Any) -> Any:
            _, kind, key, *_ = pid
            kinds[key] = kind
            return key

    with path.open("rb") as f:
        for _ in range(3):  # magic number, protocol version, system info
            pickle.load(f)
        tree = _Unpickler(f).load()
        data: dict[str, np.ndarray] = {}
        for key in pickle.load(f):
            (count,) = struct.unpack("<q", f.read(8))
            dtype = np.dtype(_DTYPES[kinds[key]])
            data[key] = np.frombuffer(f.read(count * dtype.itemsize), dtype)

    def build(node: Any) -> Any:
        if isinstance(node, dict):
            return {k: build(v) for k, v in node.items()}
        if isinstance(node, tuple) and node[:1] == ("tensor",):
            _, key, offset, size, stride = node
            flat = data[key]
            strides = [s * flat.itemsize for s in stride]
            return np.lib.stride_tricks.as_strided(flat[offset:], tuple(size), strides).copy()
        return node

    return build(tree)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class Voiceprints:
    """The encoder loaded from a local file, run in numpy on the CPU."""

    def __init__(self, path: Path | None = None) -> None:
        from faster_whisper.feature_extractor import FeatureExtractor

        path = require_model(path)
        try:
            state = load_legacy_torch(path)["model_state"]
        except (OSError, KeyError, ValueError, EOFError, pickle.UnpicklingError) as e:
            raise UserError(f"cannot read the voiceprint model {path}: {e}") from e
        self._layers = [
            (state[f"lstm.weight_ih_l{i}"].T.astype(np.float32),
             state[f"lstm.weight_hh_l{i}"].T.astype(np.float32),
             (state[f"lstm.bias_ih_l{i}"] + state[f"lstm.bias_hh_l{i}"]).astype(np.float32))
            for i in range(3)
        ]
        self._linear = state["linear.weight"].T.astype(np.float32), state["linear.bias"].astype(np.float32)
        # librosa's Slaney mel filters, as Resemblyzer used (faster-whisper computes the same).
        self._mel = FeatureExtractor.get_mel_filters(SAMPLE_RATE, _WINDOW, n_mels=40).T.astype(np.float32)
        self._window = np.hanning(_WINDOW + 1)[:-1].astype(np.float32)

    def mel(self, audio: np.ndarray) -> np.ndarray:
        """(frames, 40) mel power spectrogram, 25 ms windows every 10 ms, centred."""
        x = np.pad(audio, _WINDOW // 2)
        count = 1 + (len(x) - _WINDOW) // _HOP
        frames = x[np.arange(_WINDOW)[None, :] + _HOP * np.arange(count)[:, None]] * self._window
        return ((np.abs(np.fft.rfft(frames, axis=1)) ** 2) @ self._mel).astype(np.float32)

    def embed(self, audio: np.ndarray) -> np.ndarray:
        """The unit-length voiceprint of `audio` (16 kHz mono speech, int16 or float)."""
        x = audio.astype(np.float32)
        if audio.dtype == np.int16:
            x /= 32768.0
        level = 20 * np.log10(np.sqrt(np.mean(x**2)) + 1e-9) if len(x) else 0.0
        if level < -30:  # the model's training level; quieter speech is raised, never lowered
            x *= 10 ** ((-30 - level) / 20)
        mel = self.mel(x)
        starts = list(range(0, max(1, len(mel) - _PARTIAL + _PARTIAL_STEP + 1), _PARTIAL_STEP))
        if len(starts) > 1 and (len(mel) - starts[-1]) / _PARTIAL < 0.75:
            starts.pop()  # a last partial mostly padding says little
        mel = np.pad(mel, ((0, max(0, starts[-1] + _PARTIAL - len(mel))), (0, 0)))
        partials = self._encode(np.stack([mel[s:s + _PARTIAL] for s in starts]))
        mean = partials.mean(axis=0)
        return mean / (np.linalg.norm(mean) + 1e-9)

    def _encode(self, mels: np.ndarray) -> np.ndarray:
        """(batch, 160, 40) mels to (batch, 256) unit voiceprints: PyTorch's LSTM, gates i f g o."""
        x = mels
        for w_in, w_hidden, bias in self._layers:
            gates_in = x @ w_in + bias
            h = np.zeros((len(mels), 256), np.float32)
            c = np.zeros_like(h)
            out = np.empty((*x.shape[:2], 256), np.float32)
            for t in range(x.shape[1]):
                i, f, g, o = np.split(gates_in[:, t] + h @ w_hidden, 4, axis=1)
                c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
                h = _sigmoid(o) * np.tanh(c)
                out[:, t] = h
            x = out
        w, b = self._linear
        e = np.maximum(h @ w + b, 0.0)
        return e / (np.linalg.norm(e, axis=1, keepdims=True) + 1e-9)
