import dataclasses
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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

    assert Settings().voice_check and Settings().voice_params().margin == Settings().voice_margin


def test_the_over_coach_check_is_on_unless_turned_off_and_waits_out_the_echo_tail():

    assert Settings().over_coach_check
    assert Settings(echo_tail=0.7).over_coach_params().tail == 0.7


@pytest.mark.parametrize("flag, field", [
    ("--no-voice-check", "voice_check"), ("--no-over-coach-check", "over_coach_check"),
    ("--no-learn-pauses", "learn_pauses"), ("--no-care-check", "care_check"), ("--no-smart-turn", "smart_turn"),
])
def test_each_off_switch_reaches_the_settings_the_session_is_built_from(flag: str, field: str):
    """A flag whose name drifted from its setting would still parse, and do nothing."""
    from voice_coach.cli import _settings, build_parser

    for command in ("practice", "demo"):
        assert getattr(_settings(build_parser().parse_args([command])), field) is True
        assert getattr(_settings(build_parser().parse_args([command, flag])), field) is False


def test_hellos_are_asked_on_a_microphone_unless_told_otherwise():
    from voice_coach.cli import _settings, build_parser

    assert Settings().hello == "live"
    for when in ("always", "never"):
        assert _settings(build_parser().parse_args(["practice", "--hello", when])).hello == when
    with pytest.raises(UserError, match="hello"):
        load_settings(None, {"hello": "sometimes"})


def test_learning_each_partner_s_pauses_is_on_unless_turned_off_and_capped_by_the_longest_wait():
    from voice_coach.hearing.patience import Patience

    learnt = Patience(Settings(end_silence_max=2.4).patience_params())
    learnt.went_on("Alex", 2.2)
    assert learnt.hold("Alex", 1.5) == 2.4
    forgetful = Patience(Settings(learn_pauses=False).patience_params())
    forgetful.went_on("Alex", 2.2)
    assert forgetful.hold("Alex", 1.5) == 1.5


# ---------------------------------------------------------------------------------------------
# Every value is checked when Settings are built (issue 15, item 5)


def _numbers() -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(Settings) if f.type in ("float", "int")]


def test_every_number_declares_its_range_and_its_default_lies_in_it():
    assert len(_numbers()) > 20
    for f in _numbers():
        lo, hi, _unit = f.metadata["range"]
        assert lo <= f.default <= hi, f.name
        with pytest.raises(UserError, match=f"{f.name} must be"):
            Settings(**{f.name: hi + 1})
        with pytest.raises(UserError, match=f"{f.name} must be"):
            Settings(**{f.name: lo - 1})
        if f.type == "float":
            for bad in (math.nan, math.inf, -math.inf):
                with pytest.raises(UserError, match=f"{f.name} must be between {lo:g} and {hi:g}"):
                    Settings(**{f.name: bad})


@pytest.mark.parametrize("flag,value,expect", [
    ("flood_minutes", "nan", "command line: flood_minutes must be between 0.1 and 30 minutes, not nan"),
    ("flood_minutes", "inf", "flood_minutes must be between 0.1 and 30 minutes, not inf"),
    ("flood_minutes", "-2", "flood_minutes must be between"),
    ("end_silence", "1e999", "end_silence must be between 0.2 and 10 seconds, not inf"),
    ("end_silence", "soon", "'end_silence' should be a float, not 'soon'"),
    ("exercise", "chess", "exercise must be one of dialogue, mirroring"),
    ("sender", "", "must not be empty"),
    ("sender", "Al\x1bex", "sender must not hold control characters"),
    ("sender", "A" * 41, "sender must be at most 40 characters"),
    ("timeout_word", "   ", "must not be empty"),
])
def test_bad_values_from_the_command_line_name_the_setting_and_its_range(flag: str, value: str, expect: str):
    with pytest.raises(UserError) as e:
        load_settings(None, {flag: value})
    assert expect in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize("text,expect", [
    ("min_piece = 0\n", "min_piece must be between 2 and 25 seconds, not 0.0"),
    ("preroll = 1000\n", "preroll must be between 0 and 1 seconds, not 1000.0"),
    ("flood_minutes = nan\n", "flood_minutes must be between 0.1 and 30 minutes, not nan"),
    ("remind_after = -inf\n", "remind_after must be between 5 and 600 seconds, not -inf"),
    ("threads = 0\n", "threads must be a whole number from 1 to 64, not 0"),
    ("threads = 2.5\n", "'threads' should be an int, not 2.5"),
    ("interruptions = 99999999999999999999\n", "interruptions must be a whole number from 1 to 20"),
    ("flood_minutes = " + "9" * 400 + "\n", "'flood_minutes' should be a float"),
    ("sender = 5\n", "'sender' should be a str, not 5"),
    ("sender = ['Kim']\n", "'sender' should be a str, not ['Kim']"),
    ("data_dir = \"a\\u0000b\"\n", "data_dir must not hold control characters"),
    ("min_piece = 20.0\nmax_piece = 10.0\n", "min_piece (20) must be shorter than max_piece (10)"),
    ("short_pause = 1.0\n", "short_pause (1) must be shorter than end_silence_min (0.6)"),
    ("end_silence_min = 3.0\n", "end_silence_min (3) must not be longer than end_silence_max (2.8)"),
    ("unfinished_below = 0.9\n", "unfinished_below (0.9) must not be above complete_above (0.7)"),
    ('"a\\nb" = 1\n', "unknown setting 'a\\nb'"),
    ("x = " + "[" * 5000 + "]" * 5000 + "\n", "not valid TOML"),
])
def test_bad_values_in_the_settings_file_name_the_file_the_setting_and_its_range(
    tmp_path: Path, text: str, expect: str
):
    cfg = tmp_path / "s.toml"
    cfg.write_text(text)
    with pytest.raises(UserError) as e:
        load_settings(cfg, {})
    assert expect in str(e.value) and "\n" not in str(e.value)
    assert str(e.value).startswith(f"settings file {cfg}")


@pytest.mark.parametrize("content,expect", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe" * 10, "is not UTF-8 text"),
    (b"sender = 'Kim'\n" + b"#" * (2 << 20), "is larger than 1024 KB"),
])
def test_a_settings_file_that_is_not_one_is_refused_in_one_line(tmp_path: Path, content: bytes, expect: str):
    cfg = tmp_path / "s.toml"
    cfg.write_bytes(content)
    with pytest.raises(UserError, match=expect):
        load_settings(cfg, {})


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/urandom", "."])
def test_a_settings_path_that_is_no_file_is_refused_at_once(path: str):
    with pytest.raises(UserError, match="cannot read settings file .*not a regular file|Is a directory"):
        load_settings(Path(path), {})


def _toml_value(value) -> str:
    """`value` written as TOML (tomllib reads but does not write)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(value), repr(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\U{ord(c):08x}" for c in value) + '"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{_toml_value(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"


_SCALARS = (
    st.booleans() | st.integers() | st.integers(-(2**1100), 2**1100) | st.floats() | st.text(max_size=50)
    | st.sampled_from(["nan", "inf", "-1", "0", "1e999", "true", "no", "dialogue", "webrtc", "", " "])
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)
_NAMES = st.sampled_from([f.name for f in dataclasses.fields(Settings)]) | st.text(max_size=12)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(_NAMES, _VALUES, max_size=4))
def test_fuzz_any_toml_settings_file_gives_valid_settings_or_one_line(tmp_path: Path, table: dict):
    cfg = tmp_path / "fuzz.toml"
    cfg.write_text("".join(f"{_toml_value(k)} = {_toml_value(v)}\n" for k, v in table.items()), encoding="utf-8")
    try:
        s = load_settings(cfg, {})
    except UserError as e:
        assert "\n" not in str(e) and len(str(e)) < 400
        return
    for f in _numbers():  # whatever got through lies in its range
        lo, hi, _unit = f.metadata["range"]
        assert lo <= getattr(s, f.name) <= hi


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([f.name for f in dataclasses.fields(Settings)]), st.text(max_size=30) | st.floats())
def test_fuzz_any_command_line_value_gives_valid_settings_or_one_line(name: str, value):
    try:
        s = load_settings(None, {name: value})
    except UserError as e:
        assert "\n" not in str(e)
        return
    assert s == s.replace()  # built again from its own values: valid


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_fuzz_any_bytes_as_a_settings_file_give_settings_or_one_line(tmp_path: Path, blob: bytes):
    cfg = tmp_path / "fuzz.toml"
    cfg.write_bytes(blob)
    try:
        s = load_settings(cfg, {})
    except UserError as e:
        assert "\n" not in str(e)
        return
    for f in _numbers():  # whatever got through lies in its range
        lo, hi, _unit = f.metadata["range"]
        assert lo <= getattr(s, f.name) <= hi
