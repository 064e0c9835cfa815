"""The microphone path counts its trouble and keeps stream time true to the clock (issue 15,
item 6). The sounddevice callback is driven directly with fake status and time objects: no
device is needed."""

from __future__ import annotations

import math
import queue
import time
from types import SimpleNamespace

import numpy as np
import pytest

from voice_coach.hearing.audio_source import FRAME_SECS, CaptureClock, CaptureQueue, Frame, Reframer

RATE = 16000
BLOCK = 480  # 30 ms, as DeviceSource asks for
OK = SimpleNamespace(input_overflow=False)
OVERFLOW = SimpleNamespace(input_overflow=True)
T0 = 12345.678  # PortAudio's clock at the stream's first sample


def block(k: int) -> np.ndarray:
    """Block k of a recording, each block a level of its own so it can be found again."""
    return np.full((BLOCK, 1), (k + 1) / 100, dtype=np.float32)


def stamp(seconds: float) -> SimpleNamespace:
    return SimpleNamespace(inputBufferAdcTime=seconds)


def drain(capture: CaptureQueue, reframer: Reframer) -> list[Frame]:
    out: list[Frame] = []
    while True:
        try:
            out.extend(reframer.push(capture.take(timeout=0.01)))
        except queue.Empty:
            return out


def level_at(frames: list[Frame], t: float) -> float:
    """The level (as block() made it) of the frame that starts at stream time `t`."""
    (frame,) = [f for f in frames if abs(f.t - t) < 1e-9]
    return round(float(frame.pcm.mean()) / 32767, 3)


def test_a_gap_in_capture_time_is_filled_with_silence_and_later_times_stay_true():
    capture = CaptureQueue(RATE, BLOCK)
    for k in [*range(5), *range(10, 14)]:  # blocks 5-9 never arrive: the driver overran
        capture.callback(block(k), BLOCK, stamp(T0 + k * BLOCK / RATE), OVERFLOW if k == 10 else OK)
    frames = drain(capture, Reframer(RATE))
    assert [f.t for f in frames] == pytest.approx([k * FRAME_SECS for k in range(14)])
    assert level_at(frames, 4 * FRAME_SECS) == 0.05
    assert all(level_at(frames, k * FRAME_SECS) == 0.0 for k in range(5, 10))
    assert level_at(frames, 10 * FRAME_SECS) == 0.11  # block 10 is heard at its own time
    assert level_at(frames, 13 * FRAME_SECS) == 0.14
    health = capture.health()
    assert health.overflows == 1
    assert health.lost_secs == pytest.approx(5 * BLOCK / RATE)
    assert health.dropped_secs == 0.0
    assert health.filled_secs == pytest.approx(0.15)


def test_jitter_and_late_stamps_are_not_gaps():
    capture = CaptureQueue(RATE, BLOCK)
    wobble = [0, 3, -2, 40, -5, 1]  # samples; a block is 480
    for k, w in enumerate(wobble):
        capture.callback(block(k), BLOCK, stamp(T0 + (k * BLOCK + w) / RATE), OK)
    frames = drain(capture, Reframer(RATE))
    assert len(frames) == len(wobble)
    assert [level_at(frames, k * FRAME_SECS) for k in range(6)] == [0.01, 0.02, 0.03, 0.04, 0.05, 0.06]
    assert capture.health().lost_secs == 0.0


@pytest.mark.parametrize("unavailable", [0.0, float("nan"), None])
def test_without_capture_times_samples_are_counted(unavailable):
    capture = CaptureQueue(RATE, BLOCK)
    for k in range(4):
        capture.callback(block(k), BLOCK, stamp(unavailable), OVERFLOW if k == 2 else OK)
    capture.callback(block(4), BLOCK, SimpleNamespace(), OK)  # a backend without the field at all
    frames = drain(capture, Reframer(RATE))
    assert [level_at(frames, k * FRAME_SECS) for k in range(5)] == [0.01, 0.02, 0.03, 0.04, 0.05]
    health = capture.health()
    assert (health.overflows, health.lost_secs, health.dropped_secs) == (1, 0.0, 0.0)


def test_capture_times_that_start_late_are_measured_from_where_counting_left_off():
    capture = CaptureQueue(RATE, BLOCK)
    for k in range(3):
        capture.callback(block(k), BLOCK, stamp(0.0), OK)
    capture.callback(block(3), BLOCK, stamp(T0), OK)  # the backend starts stamping here
    capture.callback(block(6), BLOCK, stamp(T0 + 3 * BLOCK / RATE), OK)  # 4 and 5 lost
    frames = drain(capture, Reframer(RATE))
    assert level_at(frames, 3 * FRAME_SECS) == 0.04
    assert level_at(frames, 6 * FRAME_SECS) == 0.07
    assert capture.health().lost_secs == pytest.approx(2 * BLOCK / RATE)


def test_a_full_queue_drops_without_blocking_and_the_consumer_fills_the_same_time():
    capture = CaptureQueue(RATE, BLOCK, keep_secs=10 * BLOCK / RATE)  # room for 10 blocks
    started = time.perf_counter()
    for k in range(15):  # the consumer is stuck: 5 blocks find no room
        capture.callback(block(k), BLOCK, stamp(T0 + k * BLOCK / RATE), OK)
    assert time.perf_counter() - started < 0.5  # never waits for room
    assert capture.health().dropped_secs == pytest.approx(5 * BLOCK / RATE)
    reframer = Reframer(RATE)
    frames = drain(capture, reframer)
    assert len(frames) == 10
    capture.callback(block(15), BLOCK, stamp(T0 + 15 * BLOCK / RATE), OK)  # the consumer caught up
    frames += drain(capture, reframer)
    assert [f.t for f in frames] == pytest.approx([k * FRAME_SECS for k in range(16)])
    assert all(level_at(frames, k * FRAME_SECS) == 0.0 for k in range(10, 15))
    assert level_at(frames, 15 * FRAME_SECS) == 0.16
    health = capture.health()
    assert (health.overflows, health.lost_secs) == (0, 0.0)
    assert health.filled_secs == pytest.approx(5 * BLOCK / RATE)


def test_the_queue_holds_ten_seconds_by_default_and_no_more():
    capture = CaptureQueue(RATE, BLOCK)
    n = math.ceil(10.0 / (BLOCK / RATE))  # at least ten seconds: 334 blocks
    for k in range(n + 3):
        capture.callback(block(k % 50), BLOCK, stamp(T0 + k * BLOCK / RATE), OK)
    assert capture.health().dropped_secs == pytest.approx(3 * BLOCK / RATE)


def test_at_a_device_rate_of_48k_a_lost_stretch_keeps_later_speech_at_its_time():
    rate, block48 = 48000, 1440
    capture = CaptureQueue(rate, block48)
    tone = np.sin(2 * np.pi * 440 * np.arange(block48) / rate).astype(np.float32)[:, None] * 0.5
    for k in [*range(20), *range(40, 60)]:  # 0.6 s lost in the middle
        x = tone if k in (10, 50) else np.zeros((block48, 1), dtype=np.float32)
        capture.callback(x, block48, stamp(T0 + k * block48 / rate), OK)
    frames = drain(capture, Reframer(rate))
    loud = [f.t for f in frames if np.abs(f.pcm).max() > 8000]
    assert loud and abs(loud[0] - 10 * FRAME_SECS) <= FRAME_SECS
    assert any(abs(t - 50 * FRAME_SECS) <= FRAME_SECS for t in loud)  # not at 30 * FRAME_SECS
    assert capture.health().lost_secs == pytest.approx(0.6)


def test_the_capture_clock_counts_a_whole_block_as_a_gap_and_less_as_jitter():
    clock = CaptureClock(RATE, min_gap=BLOCK)
    assert clock.gap(T0, BLOCK) == 0
    assert clock.gap(T0 + (2 * BLOCK - 1) / RATE, BLOCK) == 0  # 479 samples late: jitter
    assert clock.gap(T0 + 3 * BLOCK / RATE, BLOCK) == BLOCK


def test_input_gaps_are_logged_shown_and_kept_in_the_session_s_end(tmp_path, capsys):
    """The loop reads the source's health: each time the lost input grows, one note and one line
    on screen; the totals go into session_end."""
    from voice_coach.app import run_session
    from voice_coach.hearing.audio_source import ArraySource, InputHealth
    from voice_coach.records.session_log import read_events
    from voice_coach.settings import Settings
    from voice_coach.speaking.player import Timeline, TimelinePlayer
    from voice_coach.view import ConsoleView

    class Gappy(ArraySource):
        """Twelve seconds of quiet, with an overflow at 3 s and 0.5 s dropped at 6 s."""

        def __init__(self) -> None:
            super().__init__(np.zeros(12 * 16000, dtype=np.int16))
            self.t = 0.0

        def frames(self):
            for frame in super().frames():
                self.t = frame.t
                yield frame

        def health(self) -> InputHealth:
            return InputHealth(int(self.t >= 3.0), 0.0, 0.5 if self.t >= 6.0 else 0.0)

    timeline = Timeline()
    folder = run_session(Settings(data_dir=str(tmp_path)), Gappy(), TimelinePlayer(timeline),
                         ConsoleView(live=False), first_use=False)
    events = read_events(folder / "events.jsonl")
    notes = [e for e in events if e["type"] == "note" and e["kind"] == "input"]
    assert [round(e["t"]) for e in notes] == [3, 6] and [e["value"] for e in notes] == [0.0, 0.5]
    assert "0.50 s dropped" in notes[1]["detail"]
    end = events[-1]
    assert end["type"] == "session_end" and end["input_overflows"] == 1 and end["input_filled_secs"] == 0.5
    assert capsys.readouterr().out.count("The microphone's input has gaps") == 2


def test_each_frame_says_how_much_captured_sound_waits_behind_it():
    """What the loop has not read yet, in the queue and in the block being cut into frames: how
    far behind the microphone a busy computer runs (a cue handed over then is heard that late)."""
    capture = CaptureQueue(RATE, BLOCK)
    for k in range(4):
        capture.callback(block(k), BLOCK, stamp(T0 + k * BLOCK / RATE), OK)
    assert capture.behind == pytest.approx(4 * BLOCK / RATE)
    reframer = Reframer(RATE)
    first = list(reframer.push(capture.take(timeout=0.01), capture.behind))
    assert [f.behind for f in first] == pytest.approx([3 * BLOCK / RATE])
    assert [f.behind for f in drain(capture, reframer)] == pytest.approx([0.0, 0.0, 0.0])
