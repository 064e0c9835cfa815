"""A session ends cleanly and keeps its log when stopped by Ctrl-C; a microphone that goes away
is waited for, and the session goes on when it is back or ends cleanly when it is not."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from virtual_room import VirtualRoom, segments

from voice_coach.records.session_log import read_events


def start_practice(room: VirtualRoom, data: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "voice_coach", "practice", "--data-dir", str(data), "--hello", "never", *args],
        env=room.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_in_log(data: Path, wanted: dict, timeout: float) -> bool:
    """Wait until the running session's log holds an event with these fields."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for folder in (data / "sessions").glob("*"):
            for line in (folder / "events.jsonl").read_text(errors="replace").splitlines():
                try:
                    event = json.loads(line)
                except ValueError:
                    continue  # a line being written
                if all(event.get(k) == v for k, v in wanted.items()):
                    return True
        time.sleep(0.1)
    return False


def log_of(data: Path) -> list[dict]:
    (folder,) = list((data / "sessions").iterdir())
    return read_events(folder / "events.jsonl")


def test_ctrl_c_ends_cleanly_and_keeps_the_log(tmp_path: Path):
    with VirtualRoom() as room:
        app = start_practice(room, tmp_path)
        # the coach is saying its safety note (on a cold cue cache its first sentence sounds before
        # the rest is rendered and the note is logged)
        assert wait_in_log(tmp_path, {"type": "cue", "key": "safety_note"}, timeout=60)
        assert room.wait_for_coach_to_start(0.0, timeout=10)
        pressed = room.now()
        app.send_signal(signal.SIGINT)
        out, err = app.communicate(timeout=20)
        coach = segments(room.recording()[:, 1])
    assert app.returncode == 130, err
    assert "Traceback" not in err
    # the coach fell silent at once, not at the end of its safety note (the device's own buffer aside)
    assert coach and all(c.end < pressed + 0.5 for c in coach), (pressed, coach[-3:])
    events = log_of(tmp_path)
    assert [e["key"] for e in events if e["type"] == "cue"][:1] == ["safety_note"]
    assert events[-1]["type"] == "session_end" and events[-1]["reason"] == "interrupted"


def test_a_vanished_microphone_is_waited_for_then_one_clear_error_and_the_log_survives(tmp_path: Path):
    with VirtualRoom() as room:
        app = start_practice(room, tmp_path, "--device-wait", "3")
        assert room.wait_for_coach(0.0, quiet=0.3, timeout=60)
        assert room._server is not None
        room._server.kill()  # the sound server, and with it every device, is gone for good
        t0 = time.monotonic()
        out, err = app.communicate(timeout=30)
    assert app.returncode == 2
    assert time.monotonic() - t0 < 15  # 2 s to notice, 3 s of waiting, the log closed
    assert "Traceback" not in err
    ours = [line for line in err.splitlines() if line.startswith("voice-coach:")]
    assert ours == ["voice-coach: error: the microphone 'default' stopped sending audio and did not "
                    "come back within 3 s"]
    assert "waiting for it to come back" in out
    events = log_of(tmp_path)
    notes = [e.get("detail") for e in events if e["type"] == "note" and e.get("kind") == "microphone"]
    assert notes == ["lost"]
    assert [e["key"] for e in events if e["type"] == "cue"][-2:] == ["mic_lost", "mic_gone"]
    assert events[-1]["type"] == "session_end" and events[-1]["reason"].startswith("device lost")


def test_a_sound_card_pulled_out_and_back_is_waited_for_and_the_session_goes_on(tmp_path: Path):
    with VirtualRoom() as room:
        app = start_practice(room, tmp_path, "--device-wait", "30")
        assert room.wait_for_coach(0.0, quiet=0.3, timeout=60)
        room.unplug()
        assert wait_in_log(tmp_path, {"kind": "microphone", "detail": "lost"}, timeout=15)
        time.sleep(3.0)
        room.plug_in()
        since = room.now()
        assert wait_in_log(tmp_path, {"type": "cue", "key": "mic_back"}, timeout=20)
        assert room.wait_for_coach(since, quiet=0.5, timeout=20)  # heard again through the speaker
        app.send_signal(signal.SIGINT)
        out, err = app.communicate(timeout=20)
    assert app.returncode == 130, err
    assert "Traceback" not in err
    events = log_of(tmp_path)
    (lost,) = [e for e in events if e.get("kind") == "microphone" and e.get("detail") == "lost"]
    (back,) = [e for e in events if e.get("kind") == "microphone" and e.get("detail") == "back"]
    # The time away is on the session's clock (filled with silence), as long as it really was.
    assert 3.0 <= back["value"] <= 20.0
    assert abs((back["t"] - lost["t"]) - back["value"]) < 0.1
    cues = [e["key"] for e in events if e["type"] == "cue"]
    assert cues.index("mic_lost") < cues.index("mic_back")
    assert events[-1]["type"] == "session_end" and events[-1]["reason"] == "interrupted"
    assert events[-1]["input_filled_secs"] >= back["value"] - 0.1
