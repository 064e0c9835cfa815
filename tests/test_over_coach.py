"""Hearing a partner over the coach's echo: real speech, a synthetic room, numbers only."""

from __future__ import annotations

import numpy as np
import pytest
from recordings import shared_data

from voice_coach.hearing.audio_source import load_audio
from voice_coach.hearing.classifiers import FRAME_SAMPLES, SAMPLE_RATE
from voice_coach.hearing.over_coach import FRAME, OverCoach, OverCoachParams, Room, band_levels, judge
from voice_coach.speaking.voice import Voice

CUE_AT = 2.0  # s: the cue starts on a frame, as in the loop
DELAY = 0.12  # s: the speaker's delay to the microphone


@pytest.fixture(scope="module")
def cues() -> list[np.ndarray]:
    voice = Voice(None, 165)
    return [voice.render(t) for t in ("Sam, please mirror. You can start with: let me see if I got that.",
                                      "Alex, did Sam get it?", "Alex, is there more?")]


@pytest.fixture(scope="module")
def partner() -> np.ndarray:
    x = load_audio(shared_data() / "speech/two-speakers-harvard/spk2_snt1.wav").astype(np.float64)
    return x / np.abs(x).max() * 12000


def reverb(x: np.ndarray, rt60: float = 0.4, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(rt60 * SAMPLE_RATE)
    h = rng.standard_normal(n) * np.exp(-6.91 * np.arange(n) / n)
    h *= 0.5 / np.sqrt((h**2).sum())
    h[0] = 1.0
    return np.convolve(x, h)[: len(x)]


def hear(cue_list: list[np.ndarray], over: list[tuple[float, np.ndarray]], echo_gain: float = 0.7,
         total: float = 18.0, delays: tuple[float, ...] = (DELAY,), gap: float = 2.5, first: float = CUE_AT,
         hiss: float = 30.0) -> tuple[list[float], OverCoach, list[float]]:
    """Play the cues one after another from `first`, `gap` s apart (0: straight on, mid-frame, as
    the loop chains them), into a room whose microphone hears them back after `delays` (cue by cue),
    with hiss and the partner's speech `over` (start time, audio). The detector is told of each cue
    after hearing the frame in which it starts, as in the loop. Returns what was found, the
    detector and the cues' start times."""
    n = int(total * SAMPLE_RATE)
    rng = np.random.default_rng(0)
    mic = rng.standard_normal(n) * hiss
    starts, t = [], first
    for i, cue in enumerate(cue_list):
        starts.append(t)
        d = delays[i % len(delays)]
        j = int((t + d) * SAMPLE_RATE)
        e = reverb(cue.astype(np.float64)) * echo_gain
        mic[j : j + len(e)] += e[: n - j]
        t = t + len(cue) / SAMPLE_RATE + gap
        if gap:
            t = round(t / FRAME) * FRAME
    for at, x in over:
        j = int(at * SAMPLE_RATE)
        p = reverb(x, seed=9)
        mic[j : j + len(p)] += p[: n - j]
    pcm = np.clip(mic, -32768, 32767).astype(np.int16)
    oc, found = OverCoach(OverCoachParams()), []
    pending = list(zip(starts, cue_list, strict=True))
    for k in range(n // FRAME_SAMPLES):
        ft = k * FRAME
        found += oc.hear(ft, pcm[k * FRAME_SAMPLES : (k + 1) * FRAME_SAMPLES])
        while pending and pending[0][0] <= ft + FRAME + 1e-9:
            s, cue = pending.pop(0)
            oc.expect(s, s + len(cue) / SAMPLE_RATE, cue)
    return found, oc, starts


def test_the_coach_alone_is_never_taken_for_a_partner(cues):
    found, oc, _ = hear(cues, [])
    assert found == []
    assert oc.room.delays and all(abs(d * FRAME - DELAY) <= FRAME for d in oc.room.delays)


def test_the_coach_loud_and_late_like_a_bluetooth_speaker_is_not_taken_for_a_partner(cues):
    found, _, _ = hear(cues, [], echo_gain=2.0, delays=(0.25, 0.29, 0.21))
    assert found == []


def test_cues_straight_after_one_another_are_not_taken_for_a_voice_over_the_next(cues):
    """The end of one cue still echoes into the start of the next (a Bluetooth speaker's delay)."""
    found, _, _ = hear(cues + cues, [], delays=(0.28, 0.3, 0.25), gap=0.0, echo_gain=1.5)
    assert found == []


def test_the_opening_cue_in_a_noisy_room_is_not_taken_for_a_voice(cues):
    """No quiet between turns has been heard yet: the room's noise in the cue's pauses is the floor."""
    found, _, _ = hear(cues[:1], [], first=0.0, hiss=300.0, total=8.0)
    assert found == []


def test_one_voice_over_two_cues_in_a_row_is_told_once(cues, partner):
    _, _, starts = hear(cues[1:], [], gap=0.0)
    long_talk = np.concatenate([partner, partner])
    found, _, _ = hear(cues[1:], [(starts[0] + 0.6, long_talk)], gap=0.0)
    assert len(found) == 1 and starts[0] + 0.5 <= found[0] <= starts[0] + 1.2


def test_a_partner_talking_over_a_cue_is_heard_where_they_began(cues, partner):
    at = CUE_AT + 1.2
    found, _, _ = hear(cues[:1], [(at, partner)])
    assert len(found) == 1 and at - 0.1 <= found[0] <= at + 0.5


def test_a_partner_over_a_later_cue_once_the_room_is_learnt(cues, partner):
    _, _, starts = hear(cues, [])
    found, _, _ = hear(cues, [(starts[2] + 0.3, partner)])
    assert len(found) == 1 and starts[2] + 0.2 <= found[0] <= starts[2] + 0.9


def test_a_quick_answer_after_the_cue_is_not_talking_over_it(cues, partner):
    end = CUE_AT + len(cues[1]) / SAMPLE_RATE
    found, _, _ = hear(cues[1:2], [(end + DELAY + 0.05, partner)])
    assert found == []


def test_without_any_echo_a_voice_over_the_cue_is_heard(cues, partner):
    """Headphones, or a file: the bound is the room's own floor."""
    found, _, _ = hear(cues[:1], [(CUE_AT + 0.6, partner)], echo_gain=0.0)
    assert len(found) == 1


def test_without_any_echo_a_voice_over_the_whole_of_a_cue_is_heard_once_the_room_is_learnt(cues):
    """Headphones: the cues teach that nothing comes back. Then a partner who talks over all of
    a cue at its own level, and falls silent as it ends, is heard; judged on that cue alone, their
    voice would be taken for its echo."""
    _, oc, _ = hear(cues, [], echo_gain=0.0)
    assert len(oc.room.gains) == len(cues) and not oc.room.delays  # no echo, at no delay
    silent = band_levels(np.zeros(FRAME_SAMPLES * 40, dtype=np.int16))
    ref, mic = silent.copy(), silent.copy()
    ref[:30] = 0.0
    mic[2:30] = np.random.default_rng(1).normal(0.0, 3.0, (28, 20))
    assert judge(ref, mic, 30, silent[0], Room(), OverCoachParams()).over is None
    assert judge(ref, mic, 30, silent[0], oc.room, OverCoachParams()).over == 2


def test_judge_on_plain_arrays_edges():
    """Silence everywhere: no echo to place, no gain to learn, nothing over the coach."""
    silent = band_levels(np.zeros(FRAME_SAMPLES * 40, dtype=np.int16))
    v = judge(silent, silent, 30, silent[0], Room(), OverCoachParams())
    assert v.over is None and v.delay is None
    # A burst in every band for 0.3 s, over a silent cue, is a voice; 0.2 s is not.
    for frames, heard in ((10, True), (6, False)):
        mic = silent.copy()
        mic[5 : 5 + frames] = -20.0
        assert (judge(silent, mic, 30, silent[0], Room(), OverCoachParams()).over == 5) is heard
