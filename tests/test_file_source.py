"""An input file is streamed in blocks (issue 15, item 7): the same frames at the same times as
the whole file decoded into memory, in memory that does not grow with the file's length."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr
from recordings import shared_data

from voice_coach.errors import UserError
from voice_coach.hearing.audio_source import (
    FRAME_SAMPLES,
    FRAME_SECS,
    ArraySource,
    FileSource,
    Frame,
    load_audio,
    to_int16,
)

JFK = "speech/faster-whisper/jfk.flac"  # 44.1 kHz stereo: mixed down and resampled
HARVARD = "speech/two-speakers-harvard/spk1_snt1.wav"  # 16 kHz mono: taken as it is


def whole_file(path: Path) -> np.ndarray:
    """The in-memory decoding the file path used before streaming: the reference."""
    data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    mono = data.mean(axis=1)
    if rate != 16000:
        mono = soxr.resample(mono, rate, 16000)
    return to_int16(mono)


def same_frames(a: list[Frame], b: list[Frame]) -> None:
    assert len(a) == len(b)
    assert [f.t for f in a] == [f.t for f in b]
    assert all(np.array_equal(x.pcm, y.pcm) for x, y in zip(a, b, strict=True))


@pytest.mark.parametrize("name", [JFK, HARVARD])
def test_streamed_frames_are_those_of_the_whole_file_in_memory(name: str):
    path = shared_data() / name
    reference = whole_file(path)
    assert sf.info(str(path)).frames > 16000  # long enough to span several blocks
    same_frames(list(FileSource(path).frames()), list(ArraySource(reference).frames()))
    assert np.array_equal(load_audio(path), reference)


def write_long_wav(path: Path, minutes: float, rate: int = 48000) -> None:
    """A stereo 16-bit WAV of quiet noise, written a minute at a time."""
    rng = np.random.default_rng(7)
    with sf.SoundFile(str(path), "w", rate, 2, "PCM_16") as f:
        for _ in range(int(minutes)):
            f.write(rng.integers(-2000, 2000, size=(60 * rate, 2), dtype=np.int16))


def test_a_long_file_streams_in_small_memory(tmp_path: Path):
    path = tmp_path / "ten-minutes.wav"
    write_long_wav(path, 10)
    whole = 600 * 48000 * 2 * 4  # bytes the file takes decoded whole as float32: 230 MB
    tracemalloc.start()
    try:
        n, last = 0, None
        for frame in FileSource(path, tail_secs=0.0).frames():
            n, last = n + 1, frame
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert n == 600 * 16000 // FRAME_SAMPLES  # every 30 ms of the ten minutes, and no more
    assert last is not None and last.t == pytest.approx(600 - FRAME_SECS)
    print(f"peak traced memory streaming 10 min of 48 kHz stereo: {peak / 1e6:.1f} MB")
    assert peak < 8e6 < whole / 25


def test_a_missing_empty_or_unreadable_file_is_told_before_any_frame(tmp_path: Path):
    with pytest.raises(UserError, match="audio file not found"):
        FileSource(tmp_path / "nope.wav")
    sf.write(str(tmp_path / "empty.wav"), np.zeros(0, dtype=np.int16), 16000)
    with pytest.raises(UserError, match="holds no audio"):
        FileSource(tmp_path / "empty.wav")
    (tmp_path / "junk.wav").write_bytes(b"RIFF not really a wave file" * 10)
    with pytest.raises(UserError, match="cannot read audio file"):
        FileSource(tmp_path / "junk.wav")


def test_paced_like_a_microphone_and_stopped_when_asked(tmp_path: Path):
    path = tmp_path / "short.wav"
    sf.write(str(path), np.zeros(int(0.6 * 16000), dtype=np.int16), 16000)
    source = FileSource(path, realtime=True, tail_secs=0.0)
    started = time.monotonic()
    got = []
    for frame in source.frames():
        got.append(frame)
        if len(got) == 10:
            source.stop()
    assert len(got) == 10
    assert time.monotonic() - started >= 10 * FRAME_SECS - 0.01  # not faster than real time


def test_the_recording_under_the_coach_is_mixed_from_its_file_as_in_memory(tmp_path: Path):
    from voice_coach.speaking.player import Timeline

    path = shared_data() / JFK
    cue = (np.sin(np.arange(16000) / 5) * 8000).astype(np.int16)
    named, held = Timeline(), Timeline()
    named.add_file(0.0, path)
    held.add(0.0, whole_file(path))
    for timeline in (named, held):
        timeline.add(2.5, cue, coach=True)  # over the recording
        timeline.add(13.0, cue, coach=True)  # after its end (11 s): silence until then
    expected = held.render()
    assert len(expected) == 14 * 16000
    assert np.array_equal(named.render(), expected)
    named.write(tmp_path / "out.wav")
    written, rate = sf.read(str(tmp_path / "out.wav"), dtype="int16")
    assert rate == 16000 and np.array_equal(written, expected)


def test_a_session_runs_on_the_streamed_file_and_writes_it_under_the_coach(tmp_path: Path):
    """What `practice --input-file x --out y` does, with the file streamed (app.run_practice's wiring)."""
    from voice_coach.app import run_session
    from voice_coach.records.session_log import read_events
    from voice_coach.settings import Settings
    from voice_coach.speaking.player import Timeline, TimelinePlayer
    from voice_coach.view import ConsoleView

    path = shared_data() / JFK
    timeline = Timeline()
    timeline.add_file(0.0, path)
    folder = run_session(Settings(exercise="mirroring", data_dir=str(tmp_path)), FileSource(path),
                         TimelinePlayer(timeline), ConsoleView(live=False), first_use=False)
    events = read_events(folder / "events.jsonl")
    assert events[-1]["type"] == "session_end" and events[-1]["reason"] == "audio ended"
    assert any(e["type"] == "turn_start" for e in events)  # the recording was heard
    timeline.write(tmp_path / "out.wav")
    out, _ = sf.read(str(tmp_path / "out.wav"), dtype="int16")
    recording = whole_file(path)
    assert len(out) >= len(recording)
    coach = [(int(at * 16000), len(a)) for at, a in timeline.coach_clips]
    quiet = np.ones(len(recording), dtype=bool)  # where the coach is silent, the mix is the recording
    for i, n in coach:
        quiet[i : i + n] = False
    assert np.array_equal(out[: len(recording)][quiet], recording[quiet])
