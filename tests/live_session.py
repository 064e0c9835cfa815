"""Runs `voice-coach practice` in the virtual room against scripted partners, for the live tests."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from virtual_room import VirtualRoom, segments

from voice_coach.records.session_log import read_events


@dataclass
class LiveRun:
    returncode: int
    stderr: str
    events: list[dict]
    rec: np.ndarray  # (n, 2): partners, coach
    data: Path


def stream_zero(events: list[dict], rec: np.ndarray) -> float:
    """The recording's time of the session's stream time 0: where the coach's first cue is heard
    (on first use its first sentence sounds `early`, before the loop begins)."""
    first = next(e for e in events if e["type"] == "cue")
    return segments(rec[:, 1])[0].start - first["t"] + first.get("early", 0.0)


def _story(events: list[dict]) -> str:
    said = [f"{e['t']:.1f} {e['type']} {e.get('key') or e.get('text') or e.get('detail') or ''}"
            for e in events if e["type"] in ("cue", "transcript", "note", "turn_end")]
    return "\n".join(said[-25:])


def run_live(lines: list[tuple[Path, str | float]], args: list[str], data: Path) -> LiveRun:
    """Each line waits for the coach to speak and fall quiet ("cue"), or starts a number of
    seconds after the previous line, or ("over") a second after the coach starts its next cue, and
    talks over it; otherwise partners fall silent when the coach talks over them."""
    with VirtualRoom() as room:
        app = subprocess.Popen(
            [sys.executable, "-m", "voice_coach", "practice", "--data-dir", str(data),
             *([] if "--hello" in args else ["--hello", "never"]), *args],  # hellos: test_only_the_couple
            env=room.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        since, stalled = 0.0, None
        for i, (wav, how) in enumerate(lines):
            if how in ("cue", "over"):
                started = room.wait_for_coach_to_start if how == "over" else room.wait_for_coach
                if not started(since, timeout=40):
                    stalled = f"the coach said nothing after line {i - 1}"
                    break
                if how == "over":
                    time.sleep(1.0)
            else:
                time.sleep(float(how))
            room.play(wav, yield_to_coach=how != "over")
            since = room.now()
        try:
            _, err = app.communicate(timeout=5 if stalled else 60)
        except subprocess.TimeoutExpired:
            app.kill()
            _, err = app.communicate()
            stalled = stalled or "the session did not end"
        rec = room.recording()
    sessions = list((data / "sessions").iterdir()) if (data / "sessions").is_dir() else []
    events = read_events(sessions[0] / "events.jsonl") if sessions else []
    assert stalled is None and app.returncode == 0, f"{stalled}; stderr: {err[-300:]}\n{_story(events)}"
    return LiveRun(app.returncode, err, events, rec, data)
