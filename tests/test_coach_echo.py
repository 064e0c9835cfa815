"""The coach's own voice in the microphone, faster than real time: the scripted room mixes each cue
back into what it hears (delayed and softer, as from a speaker), so the loop's shut microphone and
its talk-over check meet the echo outside the virtual room's real-time runs (test_live_room.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from voice_coach.app import run_session
from voice_coach.demo_room import Echo, Line, ScriptedRoom, demo_script_path, load_script
from voice_coach.hearing.audio_source import FRAME_SECS, Frame
from voice_coach.hearing.classifiers import FRAME_SAMPLES, SAMPLE_RATE, SileroClassifier
from voice_coach.records.session_log import read_events
from voice_coach.settings import Settings
from voice_coach.speaking.cue_cache import session_cue_cache
from voice_coach.speaking.player import Timeline, TimelinePlayer
from voice_coach.view import ConsoleView

ECHO = Echo(delay=0.1, gain_db=-6.0)


class Listening:
    """The room, with every frame it gave the loop kept: what the microphone heard."""

    def __init__(self, room: ScriptedRoom) -> None:
        self.room, self.realtime, self.heard = room, room.realtime, []

    def frames(self):
        for frame in self.room.frames():
            self.heard.append(frame.pcm)
            yield frame

    def stop(self) -> None:
        self.room.stop()


def session(tmp: Path, lines: list[Line], echo: Echo | None) -> dict:
    """The partners' lines spoken into the loop; with `echo`, the coach is heard too."""
    s = Settings(exercise="mirroring", sender="Alex", receiver="Sam", data_dir=str(tmp))
    timeline = Timeline()
    room = ScriptedRoom(lines, timeline, echo=echo)
    mic = Listening(room)
    folder = run_session(s, mic, TimelinePlayer(timeline), ConsoleView(live=False), first_use=False)
    return {"events": read_events(folder / "events.jsonl"), "lines": lines, "spoken": room.spoken,
            "heard": np.concatenate(mic.heard), "coach": list(timeline.coach_clips)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, dict]:
    """The demo's mirroring script, rendered once (espeak's renderings of a line differ by a few
    milliseconds, and Whisper may hear a shifted line otherwise), in a room without echo and in
    one with it; the partners' lines and the coach's cues come from the run's one cue cache
    (conftest.py), the same in both."""
    lines = load_script(demo_script_path("mirroring"), cache=session_cue_cache(tmp_path_factory.mktemp("cache")))
    return {"quiet": session(tmp_path_factory.mktemp("quiet"), lines, None),
            "echo": session(tmp_path_factory.mktemp("echo"), lines, ECHO)}


def of(events: list[dict], kind: str) -> list[dict]:
    return [e for e in events if e["type"] == kind]


def test_the_room_mixes_each_cue_into_the_microphone_late_and_softer():
    timeline = Timeline()
    cue = (np.sin(np.arange(8000) * 0.05) * 10000).astype(np.int16)
    timeline.add(0.3, cue, coach=True)
    room = ScriptedRoom([], timeline, give_up_secs=1.0, echo=ECHO)
    heard = np.concatenate([f.pcm for f in room.frames() if isinstance(f, Frame)])
    start = round((0.3 + ECHO.delay) * SAMPLE_RATE)
    expected = np.zeros_like(heard, dtype=np.float64)
    expected[start : start + len(cue)] = cue * 10 ** (ECHO.gain_db / 20)
    assert np.abs(heard - expected).max() <= 1  # rounding only
    assert np.abs(heard[:start]).max() == 0 and np.abs(heard[start + len(cue) :]).max() == 0
    # without an echo the microphone hears no coach
    quiet = ScriptedRoom([], timeline, give_up_secs=1.0)
    assert not any(np.any(f.pcm) for f in quiet.frames() if isinstance(f, Frame))
    with pytest.raises(ValueError):
        Echo(delay=FRAME_SECS / 2)  # a frame would hear a cue before the loop has said it


def test_the_echo_is_speech_the_loop_would_hear_were_its_microphone_open(runs):
    """The echo is no whisper: during the coach's cues the speech classifier hears speech in what
    the microphone gave the loop (so the shut microphone, not a quiet echo, keeps it out of turns)."""
    echo = runs["echo"]
    vad = SileroClassifier()
    voiced = []
    for at, audio in echo["coach"]:
        first = int((at + ECHO.delay) / FRAME_SECS) + 1
        last = int((at + ECHO.delay + len(audio) / SAMPLE_RATE) / FRAME_SECS)
        frames = [echo["heard"][i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES] for i in range(first, last)]
        voiced.append(np.mean([vad.is_speech(f) for f in frames if len(f) == FRAME_SAMPLES]))
    assert len(voiced) >= 8 and np.mean(voiced) >= 0.5, voiced


def test_the_coach_s_echo_is_never_taken_for_a_partner(runs):
    quiet, echo = runs["quiet"], runs["echo"]
    events = echo["events"]
    # nobody was told off for talking over the coach or cutting in, no answer was taken back
    notes = [e for e in events if e["type"] == "note" and e["kind"] in ("interruption", "cut_off", "taken_back")]
    assert notes == []
    # one turn per scripted line, each starting while a partner spoke (preroll aside), never in a cue
    turns = of(events, "turn_end")
    assert [t["speaker"] for t in turns] == [line.who for line in echo["lines"]]
    for turn, (_who, start, end) in zip(turns, echo["spoken"], strict=True):
        assert start - 0.5 <= turn["start"] <= end, (turn, start, end)
    # the same dialogue as in a room without echo: the same cues at the same times, the same
    # turns (when, whose, how Smart Turn judged their end) and the same words heard in them
    assert [(c["key"], c["t"]) for c in of(events, "cue")] == [(c["key"], c["t"]) for c in of(quiet["events"], "cue")]
    # (all but `words`: whether a pause's words were back before its end was decided is the
    # transcription worker's race with the loop, not the room's doing)
    assert [{**t, "words": None} for t in turns] == [{**t, "words": None} for t in of(quiet["events"], "turn_end")]
    assert [t["text"] for t in of(events, "transcript")] == [t["text"] for t in of(quiet["events"], "transcript")]
    answers = [n["detail"] for n in of(events, "note") if n["kind"] == "answer"]
    assert answers == [n["detail"] for n in of(quiet["events"], "note") if n["kind"] == "answer"]
    assert of(events, "finish")[-1]["reason"] == of(quiet["events"], "finish")[-1]["reason"] == "complete"
