"""Cues said together (an answer and the next question) are one utterance: no silence between
them that a partner could take for the coach being done. Through the real loop, faster than real
time; the virtual room's version is in test_live_room.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from test_exercises_spoken import line

from voice_coach.app import run_session
from voice_coach.demo_room import ScriptedRoom
from voice_coach.records.session_log import read_events
from voice_coach.settings import Settings
from voice_coach.speaking.player import Timeline, TimelinePlayer
from voice_coach.view import ConsoleView

RATE = 16000


def longest_silence(x: np.ndarray, threshold: int = 300) -> float:
    """Seconds of the longest run of 10 ms frames with no sample above `threshold`."""
    frames = np.abs(x[: len(x) // 160 * 160].astype(np.int32)).reshape(-1, 160).max(axis=1) > threshold
    longest = run = 0
    for loud in frames:
        run = 0 if loud else run + 1
        longest = max(longest, run)
    return longest / 100


def test_chained_cues_are_one_clip_with_no_gap_that_reads_as_an_end(tmp_path: Path):
    lines = [line("Alex", "I felt alone last night."),
             line("Sam", "Let me see if I got that. You felt alone last night."),
             line("Alex", "Yes."), line("Alex", "No, that's all.")]
    timeline = Timeline()
    s = Settings(exercise="mirroring", data_dir=str(tmp_path))
    folder = run_session(s, ScriptedRoom(lines, timeline), TimelinePlayer(timeline), ConsoleView(live=False),
                         first_use=False)
    cues = [e for e in read_events(folder / "events.jsonl") if e["type"] == "cue"]
    assert [c["key"] for c in cues[:2]] == ["welcome", "sender_starts"]
    welcome, starts = cues[0], cues[1]
    assert abs(starts["t"] - welcome["end"]) < 1e-3  # the parts tile one utterance
    clips = [(at, a) for at, a in timeline.coach_clips if at <= welcome["t"] + 1e-3]
    assert len(clips) == 1  # handed to the player as one clip
    at, audio = clips[0]
    assert len(audio) / RATE >= starts["end"] - welcome["t"] - 1e-3
    # around the seam: no silence longer than a comma's pause (espeak leaves ~0.35 s between sentences)
    seam = int((starts["t"] - at) * RATE)
    assert longest_silence(audio[seam - int(0.3 * RATE): seam + int(0.3 * RATE)]) < 0.25
    # "switch roles" and the new sender's prompt are one utterance too
    assert [c["key"] for c in cues[-2:]] == ["switch", "sender_starts"]
    assert abs(cues[-1]["t"] - cues[-2]["end"]) < 1e-3
