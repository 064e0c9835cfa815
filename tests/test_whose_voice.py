"""Whose voice: the pure judgement with plain vectors, and the real voiceprint model on the two
Harvard speakers of ../shared/data."""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest

from voice_coach.errors import UserError
from voice_coach.hearing.audio_source import load_audio
from voice_coach.hearing.voiceprint import Voiceprints, load_torch_zip, voiceprint_model_path
from voice_coach.hearing.whose_voice import VoiceParams, WhoseVoice

HARVARD = Path(__file__).resolve().parents[2] / "shared" / "data" / "speech" / "two-speakers-harvard"


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=float)
    return v / np.linalg.norm(v)


def at(cos: float) -> np.ndarray:
    """A unit vector with cosine `cos` to (1, 0, 0) and 0 to (0, 0, 1)."""
    return np.array([cos, np.sqrt(1 - cos**2), 0.0])


ALEX, SAM = unit(1, 0, 0), unit(0, 0, 1)


def known() -> WhoseVoice:
    w = WhoseVoice(("Alex", "Sam"))
    assert w.heard("Alex", ALEX, 2.0) == "Alex" and w.heard("Sam", SAM, 2.0) == "Sam"
    return w


def test_the_first_stretch_the_protocol_gives_a_partner_is_theirs():
    w = WhoseVoice(("Alex", "Sam"))
    assert not w.known("Alex")
    assert w.heard("Alex", ALEX, 2.0) == "Alex"
    assert w.known("Alex") and not w.known("Sam")
    assert w.heard("Alex", SAM, 2.0) == "Alex"  # the other voice is not known yet: nothing to compare


def test_short_speech_is_not_judged_nor_learnt():
    w = WhoseVoice(("Alex", "Sam"))
    assert w.heard("Alex", ALEX, 0.99) is None and not w.known("Alex")
    assert w.heard("Alex", ALEX, 1.0) == "Alex"


def test_the_other_voice_must_be_closer_by_the_margin():
    w = known()
    close = unit(0.49, 0.0, 0.6)
    assert close @ SAM - close @ ALEX > 0.1
    assert known().heard("Alex", close, 2.0) == "Sam"
    near = unit(0.55, 0.0, 0.6)
    assert 0 < near @ SAM - near @ ALEX < 0.1
    assert w.heard("Alex", near, 2.0) == "Alex"


def test_before_a_partner_is_heard_only_a_voice_very_like_the_other_is_the_other():
    w = WhoseVoice(("Alex", "Sam"))
    w.heard("Alex", ALEX, 2.0)
    alike = VoiceParams().same_above
    assert w.heard("Sam", at(alike + 0.05), 2.0) == "Alex" and not w.known("Sam")  # Alex going on
    less = alike - 0.1
    assert w.heard("Sam", np.array([less, 0.0, np.sqrt(1 - less**2)]), 2.0) == "Sam" and w.known("Sam")


def test_each_partner_s_voice_is_the_mean_of_the_latest_stretches():
    w = WhoseVoice(("Alex", "Sam"), VoiceParams(remember=2))
    for v in (unit(0, 1, 0), unit(1, 0, 0), unit(1, 0, 0)):
        w.heard("Alex", v, 2.0)
    assert w.likeness("Alex", unit(1, 0, 0)) == pytest.approx(1.0)  # the first has been forgotten


@pytest.fixture(scope="module")
def encoder() -> Voiceprints:
    if voiceprint_model_path() is None:
        pytest.fail("the voiceprint model is not installed: run scripts/setup.sh --test")
    return Voiceprints()


def test_the_model_tells_the_two_harvard_speakers_apart(encoder: Voiceprints):
    prints = {(who, n): encoder.embed(load_audio(HARVARD / f"{who}_snt{n}.wav"))
              for who in ("spk1", "spk2") for n in range(1, 7)}
    for v in prints.values():
        assert np.linalg.norm(v) == pytest.approx(1.0, abs=1e-4) and v.shape == (192,)
    w = WhoseVoice(("A", "B"))
    w.heard("A", prints[("spk1", 1)], 3.0)
    w.heard("B", prints[("spk2", 1)], 3.0)
    for n in range(2, 7):  # every sentence given to A in turn: A's are A's, B's are B's
        assert w.heard("A", prints[("spk1", n)], 3.0) == "A"
        assert w.heard("A", prints[("spk2", n)], 3.0) == "B"


def test_the_same_audio_gives_the_same_print_and_one_second_is_enough(encoder: Voiceprints):
    x = load_audio(HARVARD / "spk2_snt3.wav")
    assert np.array_equal(encoder.embed(x), encoder.embed(x.copy()))
    one_second = encoder.embed(x[4000:20000])
    other = encoder.embed(load_audio(HARVARD / "spk1_snt3.wav"))  # the other speaker
    assert one_second @ encoder.embed(x) > 0.6 and one_second @ encoder.embed(x) - one_second @ other > 0.4


def test_the_model_file_cannot_run_code(tmp_path: Path):
    bad = tmp_path / "campplus.pt"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps(eval, protocol=2))  # noqa: S307 - only unpickled
    with pytest.raises(pickle.UnpicklingError, match="unexpected .*eval"):
        load_torch_zip(bad)
    with pytest.raises(UserError, match="cannot read the voiceprint model"):
        Voiceprints(bad)
    (tmp_path / "text.pt").write_text("not a model")
    with pytest.raises(UserError, match="cannot read the voiceprint model"):
        Voiceprints(tmp_path / "text.pt")
    with pytest.raises(UserError, match="not installed"):
        Voiceprints(tmp_path / "missing.pt")
