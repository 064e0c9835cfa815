"""The speech classifiers on real speech: Silero hears a word after any length of digital silence
(a muted microphone, a virtual device, a file's padding), and nothing in the silence itself."""

from __future__ import annotations

import numpy as np
from recordings import shared_data

from voice_coach.hearing.audio_source import load_audio
from voice_coach.hearing.classifiers import FRAME_SAMPLES, SileroClassifier


def _voiced(c: SileroClassifier, audio: np.ndarray) -> list[bool]:
    return [c.is_speech(audio[i:i + FRAME_SAMPLES]) for i in range(0, len(audio) - FRAME_SAMPLES + 1, FRAME_SAMPLES)]


def test_silero_hears_speech_after_a_minute_of_digital_silence():
    speech = load_audio(shared_data() / "speech" / "two-speakers-harvard" / "spk1_snt1.wav")
    fresh = sum(_voiced(SileroClassifier(), speech))
    assert fresh > 20
    c = SileroClassifier()
    silence = np.zeros(60 * 16000, dtype=np.int16)  # before the fix: deaf after some 20 s of zeros
    assert not any(_voiced(c, silence))
    after = sum(_voiced(c, speech))
    assert after >= fresh - 2
    # and the same recording after speech and a short pause is heard as before
    assert sum(_voiced(c, np.concatenate([np.zeros(8000, dtype=np.int16), speech]))) >= fresh - 2
