import numpy as np

from voice_coach.hearing.audio_history import AudioHistory
from voice_coach.hearing.audio_source import FRAME_SECS, Frame


def test_slice_returns_the_frames_covering_the_span():
    h = AudioHistory(keep_secs=3.0)
    for i in range(50):
        h.append(Frame(i * FRAME_SECS, np.full(480, i, dtype=np.int16)))
    x = h.slice(10 * FRAME_SECS, 12 * FRAME_SECS)
    assert len(x) == 960 and set(x[:480]) == {10} and set(x[480:]) == {11}


def test_old_audio_is_forgotten():
    h = AudioHistory(keep_secs=0.3)  # 10 frames
    for i in range(50):
        h.append(Frame(i * FRAME_SECS, np.full(480, i, dtype=np.int16)))
    x = h.slice(0.0, 50 * FRAME_SECS)
    assert len(x) == 10 * 480 and x[0] == 40 and x[-1] == 49
