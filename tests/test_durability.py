"""A session's log survives SIGKILL, a cut-off line, a full disk and an unwritable data folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from recordings import shared_data, write_line
from test_store import DAY, write_session

from voice_coach import store
from voice_coach.report import build_report
from voice_coach.session_log import SessionLog, read_events

HARVARD = "speech/two-speakers-harvard"


def _long_recording(path: Path) -> None:
    """20 s of quiet (the coach's opening cues), then sentences with pauses long enough to end
    each turn: a session that runs for a while even faster than real time."""
    parts = [f"{HARVARD}/spk{1 + i % 2}_snt{1 + i % 6}.wav" for i in range(14)]
    write_line(path, parts, pause=2.5)
    speech, rate = sf.read(path, dtype="int16")
    sf.write(path, np.concatenate([np.zeros(20 * rate, dtype=np.int16), speech]), rate, subtype="PCM_16")


def _practice(wav: Path, data: Path) -> list[str]:
    return [sys.executable, "-m", "voice_coach", "practice", "--input-file", str(wav), "--data-dir", str(data)]


def test_sigkill_mid_session_leaves_a_readable_log(tmp_path: Path):
    wav, data = tmp_path / "long.wav", tmp_path / "data"
    _long_recording(wav)
    proc = subprocess.Popen(_practice(wav, data), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = b""
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            logs = list((data / "sessions").glob("*/events.jsonl")) if (data / "sessions").is_dir() else []
            if logs:
                seen = logs[0].read_bytes()
                if b'"turn_start"' in seen:  # the coach has spoken and someone has begun
                    break
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.02)
        else:
            pytest.fail("no turn was logged within 120 s")
        assert proc.poll() is None, "the session ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=10) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    (log,) = list((data / "sessions").glob("*/events.jsonl"))
    raw = log.read_bytes()
    assert raw.startswith(seen)  # everything seen on disk before the kill is still there
    complete = raw[: raw.rfind(b"\n") + 1].decode().splitlines()
    events = read_events(log)
    assert events == [json.loads(line) for line in complete]  # every complete line reads back
    assert events[0]["type"] == "session_start" and events[-1] == json.loads(complete[-1])
    assert any(e["type"] == "turn_start" for e in events)
    assert not any(e["type"] == "session_end" for e in events)  # it really died mid-session
    assert log.stat().st_mode & 0o777 == 0o600

    # The index and the report take the killed session as it is ...
    (row,) = store.list_sessions(data)
    assert row.ended is None
    assert "stopped unexpectedly" in build_report(data, row.id)
    # ... and also after a crash in the middle of a line: the index is rebuilt without it.
    with log.open("ab") as f:
        f.write(b'{"type": "turn_end", "t": 99.0, "turn": 99, "speaker": "Al')
    (data / "index.sqlite3").unlink()
    assert read_events(log) == events
    (again,) = store.list_sessions(data)
    assert again.id == row.id and again.seconds == row.seconds and again.rounds == row.rounds


def test_unwritable_data_folder_gives_one_line_and_the_session_goes_on(tmp_path: Path):
    speech, rate = sf.read(shared_data() / f"{HARVARD}/spk1_snt1.wav", dtype="int16")
    silence = np.zeros(15 * rate, dtype=np.int16)
    wav = tmp_path / "in.wav"
    sf.write(wav, np.concatenate([silence, speech, silence[: 3 * rate]]), rate, subtype="PCM_16")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # so no folder can be made under it, whoever runs the test
    r = subprocess.run(_practice(wav, blocker / "data"), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    warnings = [line for line in r.stderr.splitlines() if "cannot save this session" in line]
    assert len(warnings) == 1, r.stderr
    assert "Not a directory" in warnings[0] and "goes on" in warnings[0]
    assert "small dog" in r.stdout.lower()  # heard and transcribed after the first failed write
    assert "could not be saved" in r.stderr  # and at the end, honestly, that it was not kept
    assert blocker.read_text() == "not a folder"


def test_full_disk_keeps_events_in_memory_until_they_can_be_written(tmp_path: Path, capsys):
    folder = tmp_path / "session"
    folder.mkdir()
    (folder / "events.jsonl").symlink_to("/dev/full")  # every write: "No space left on device"
    log = SessionLog(folder)
    for i in range(3):
        log.write("cue", float(i), key=f"k{i}", text="Zoë, mirror please")
    assert not log.saved
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "No space left on device" in err[0] and "goes on" in err[0]

    (folder / "events.jsonl").unlink()  # space again
    log.write("turn_end", 3.0, turn=1)
    log.close()
    assert log.saved
    assert [(e["type"], e["t"]) for e in read_events(folder / "events.jsonl")] == [
        ("cue", 0.0), ("cue", 1.0), ("cue", 2.0), ("turn_end", 3.0)
    ]
    assert read_events(folder / "events.jsonl")[0]["text"] == "Zoë, mirror please"
    assert (folder / "events.jsonl").stat().st_mode & 0o777 == 0o600
    assert capsys.readouterr().err == ""  # one line was enough


def test_data_folder_that_appears_later_gets_the_whole_session(tmp_path: Path, capsys):
    blocker = tmp_path / "data"
    blocker.write_text("in the way")
    log = SessionLog.create(blocker)
    log.write("session_start", 0.0, sender="Alex")
    log.write("cue", 1.0, key="welcome")
    assert not log.saved and len(capsys.readouterr().err.splitlines()) == 1
    blocker.unlink()
    log.write("turn_start", 2.0, turn=1)
    log.close()
    assert [e["type"] for e in read_events(log.path)] == ["session_start", "cue", "turn_start"]
    assert log.path.parent.parent == blocker / "sessions"
    for p in (blocker, blocker / "sessions", log.folder):
        assert p.stat().st_mode & 0o777 == 0o700


def test_a_session_never_saved_says_so_at_the_end(tmp_path: Path, capsys):
    blocker = tmp_path / "data"
    blocker.write_text("in the way")
    log = SessionLog.create(blocker)
    log.write("session_start", 0.0)
    log.write("session_end", 5.0, reason="complete")
    log.close()
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and "cannot save" in err[0]
    assert "could not be saved" in err[1] and "2 event(s)" in err[1]


def test_a_new_session_never_writes_into_an_existing_one(tmp_path: Path):
    old = write_session(tmp_path, DAY)
    before = old.read_bytes()
    log = SessionLog.create(tmp_path, now=DAY)  # the same second as the old session
    log.write("session_start", 0.0)
    log.close()
    assert old.read_bytes() == before
    assert log.folder.name == DAY.strftime("%Y-%m-%d_%H-%M-%S") + "_2"
    assert os.path.isfile(log.path)


def test_ctrl_c_cannot_land_between_writing_an_event_and_noting_it(tmp_path: Path, monkeypatch):
    """Were Ctrl-C to arrive just after the bytes went out but before the log noted it, the next
    write would repeat them; the log holds SIGINT and SIGTERM for exactly that moment."""
    masks: list[set] = []
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        masks.append(signal.pthread_sigmask(signal.SIG_BLOCK, []))
        return real_write(fd, data)

    log = SessionLog(tmp_path)
    monkeypatch.setattr(os, "write", write)
    log.write("cue", 1.0, key="welcome")
    monkeypatch.undo()
    log.close()
    assert masks and all({signal.SIGINT, signal.SIGTERM} <= m for m in masks)
    assert signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])  # and released after
    assert [e["key"] for e in read_events(tmp_path / "events.jsonl")] == ["welcome"]
