"""A session ends cleanly and keeps its log when stopped by Ctrl-C or when the microphone goes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from virtual_room import VirtualRoom

from voice_coach.session_log import read_events


def start_practice(room: VirtualRoom, data: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "voice_coach", "practice", "--data-dir", str(data)],
        env=room.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def log_of(data: Path) -> list[dict]:
    (folder,) = list((data / "sessions").iterdir())
    return read_events(folder / "events.jsonl")


def test_ctrl_c_ends_cleanly_and_keeps_the_log(tmp_path: Path):
    with VirtualRoom() as room:
        app = start_practice(room, tmp_path)
        assert room.wait_for_coach(0.0, quiet=0.3, timeout=60)  # the coach has greeted
        app.send_signal(signal.SIGINT)
        out, err = app.communicate(timeout=20)
    assert app.returncode == 130, err
    assert "Traceback" not in err
    events = log_of(tmp_path)
    assert [e["key"] for e in events if e["type"] == "cue"][:1] == ["safety_note"]
    assert events[-1]["type"] == "session_end" and events[-1]["reason"] == "interrupted"


def test_a_vanished_microphone_is_one_clear_error_and_the_log_survives(tmp_path: Path):
    with VirtualRoom() as room:
        app = start_practice(room, tmp_path)
        assert room.wait_for_coach(0.0, quiet=0.3, timeout=60)
        assert room._server is not None
        room._server.kill()  # the sound server, and with it every device, is gone
        t0 = time.monotonic()
        out, err = app.communicate(timeout=30)
    assert app.returncode == 2
    assert time.monotonic() - t0 < 10
    assert "Traceback" not in err
    ours = [line for line in err.splitlines() if line.startswith("voice-coach:")]
    assert ours == ["voice-coach: error: the microphone 'default' stopped sending audio"]
    events = log_of(tmp_path)
    assert events[-1]["type"] == "session_end" and events[-1]["reason"].startswith("device lost")
