"""Smart Turn on real recordings: a finished sentence sounds finished, the same sentence cut off
in the middle of a word does not."""

from __future__ import annotations

import numpy as np
import pytest
from recordings import shared_data

from voice_coach.hearing.audio_source import load_audio
from voice_coach.hearing.smart_turn import PRECISE_INT8, SmartTurn, smart_turn_model_path
from voice_coach.hearing.turns import TurnParams

TAIL = np.zeros(3200, dtype=np.int16)  # 0.2 s of silence, as the turn detector asks (judge_tail)

# (recording, a time in the middle of a word: "hurry", "slid", "who")
CUT_MID_WORD = [
    ("speech/two-speakers-harvard/spk2_snt5.wav", 1.09),  # "Jump the fence and hur|"
    ("noise/speech.wav", 1.45),  # "The birch canoe sl|"
    ("speech/faster-whisper/stereo_left.wav", 2.84),  # "... against the wizard, wh|"
]


@pytest.fixture(scope="module")
def smart() -> SmartTurn:
    if smart_turn_model_path() is None:
        pytest.fail("the Smart Turn model is missing: run scripts/setup.sh (it installs pipecat-ai)")
    return SmartTurn()


@pytest.mark.parametrize("path,cut", CUT_MID_WORD)
def test_finished_sentence_beats_the_same_sentence_cut_mid_word(smart: SmartTurn, path: str, cut: float):
    audio = load_audio(shared_data() / path)
    whole = smart.probability(np.concatenate([audio, TAIL]))
    cut_off = smart.probability(np.concatenate([audio[: int(cut * 16000)], TAIL]))
    finished = TurnParams().complete_above  # what the turn detector calls a finished thought
    assert whole > 0.7, f"{path}: the whole sentence judged complete with only {whole:.2f}"
    assert cut_off < finished, f"{path}: the sentence cut mid-word judged complete with {cut_off:.2f}"
    assert whole - cut_off > 0.4, f"{path}: whole {whole:.2f} and cut off {cut_off:.2f} hardly differ"


def test_features_are_whisper_log_mel_of_the_last_eight_seconds(smart: SmartTurn):
    rng = np.random.default_rng(1)
    long = (rng.standard_normal(12 * 16000) * 3000).astype(np.int16)
    feats = smart.features(long)
    assert feats.shape == (80, 800) and feats.dtype == np.float32
    np.testing.assert_allclose(feats, smart.features(long[-8 * 16000 :]), atol=1e-6)
    short = smart.features(long[:16000])  # 1 s: padded with silence in front, the sound last
    assert np.ptp(short[:, 10:690], axis=1).max() < 1e-5  # the padding: the same in every frame
    assert short[:, -90:-10].mean() > short[:, 10:690].mean() + 0.5


def test_no_audio_is_not_a_finished_turn(smart: SmartTurn):
    assert smart.probability(np.zeros(0, dtype=np.int16)) == 0.0


def test_the_model_is_read_without_importing_pipecat(smart: SmartTurn):
    import sys

    assert "pipecat" not in sys.modules


def test_the_8_bit_model_runs_with_exact_products_on_processors_without_vnni(smart: SmartTurn):
    """onnxruntime's fast 8-bit kernels saturate on AVX2 alone (no VNNI), and the model's answers
    then move by up to 0.4 on the same audio: the session asks for the exact kernels."""
    options = smart._session.get_session_options()
    assert options.get_session_config_entry(PRECISE_INT8) == "1"
