import dataclasses
from pathlib import Path

import pytest

from voice_coach.errors import UserError
from voice_coach.settings import Settings, load_settings


def test_defaults_then_file_then_flags(tmp_path: Path):
    cfg = tmp_path / "s.toml"
    cfg.write_text('end_silence = 1.4\nvad = "silero"\nsender = "Kim"\n')
    s = load_settings(cfg, {"sender": "Lee", "receiver": None})
    assert (s.end_silence, s.vad, s.sender, s.receiver) == (1.4, "silero", "Lee", "Sam")
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.end_silence = 2.0  # type: ignore[misc]


@pytest.mark.parametrize("text,msg", [
    ("colour = 1\n", "unknown setting 'colour'"),
    ('end_silence = "long"\n', "should be a float"),
    ("end_silence = 0.01\n", "end_silence must be"),
    ('vad = "magic"\n', "vad must be"),
    ("end_silence = \n", "not valid TOML"),
    ("voice_margin = 1.5\n", "voice_margin must be"),
    ('voice_check = "maybe"\n', "should be true or false"),
])
def test_bad_settings_are_refused_clearly(tmp_path: Path, text: str, msg: str):
    cfg = tmp_path / "s.toml"
    cfg.write_text(text)
    with pytest.raises(UserError, match=msg):
        load_settings(cfg, {})


def test_same_names_refused():
    with pytest.raises(UserError, match="different names"):
        load_settings(None, {"sender": "Sam"})
    assert Settings().sender != Settings().receiver


def test_the_voice_check_is_on_unless_turned_off():
    from voice_coach.cli import build_parser

    assert Settings().voice_check and Settings().voice_params().margin == Settings().voice_margin
    for command in ("practice", "demo"):
        assert build_parser().parse_args([command, "--no-voice-check"]).voice_check is False
        assert build_parser().parse_args([command]).voice_check is None  # the settings decide


def test_the_over_coach_check_is_on_unless_turned_off_and_waits_out_the_echo_tail():
    from voice_coach.cli import build_parser

    assert Settings().over_coach_check
    assert Settings(echo_tail=0.7).over_coach_params().tail == 0.7
    for command in ("practice", "demo"):
        assert build_parser().parse_args([command, "--no-over-coach-check"]).over_coach_check is False
        assert build_parser().parse_args([command]).over_coach_check is None


def test_learning_each_partner_s_pauses_is_on_unless_turned_off_and_capped_by_the_longest_wait():
    from voice_coach.cli import build_parser
    from voice_coach.patience import Patience

    learnt = Patience(Settings(end_silence_max=2.4).patience_params())
    learnt.went_on("Alex", 2.2)
    assert learnt.hold("Alex", 1.5) == 2.4
    forgetful = Patience(Settings(learn_pauses=False).patience_params())
    forgetful.went_on("Alex", 2.2)
    assert forgetful.hold("Alex", 1.5) == 1.5
    for command in ("practice", "demo"):
        assert build_parser().parse_args([command, "--no-learn-pauses"]).learn_pauses is False
        assert build_parser().parse_args([command]).learn_pauses is None
