"""A session's log survives SIGKILL, a cut-off line and a full disk; an unwritable data folder stops a
session before it starts."""

from __future__ import annotations

import errno
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

from voice_coach.errors import UserError
from voice_coach.records import store
from voice_coach.records.report import build_report
from voice_coach.records.session_log import SessionLog, read_events

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


def _unwritable(tmp_path: Path, kind: str) -> Path:
    """A data folder no session can be saved in, whoever runs the test."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    if kind == "a plain file":
        return blocker
    if kind == "under a plain file":
        return blocker / "data"
    if kind == "sessions is a plain file":
        (tmp_path / "data").mkdir()
        (tmp_path / "data" / "sessions").write_text("in the way")
        return tmp_path / "data"
    return Path(kind)  # /proc and /sys refuse new folders, even to root


@pytest.mark.parametrize("kind,why", [
    ("a plain file", "Not a directory"),
    ("under a plain file", "Not a directory"),
    ("sessions is a plain file", "Not a directory"),
    ("/proc/voice-coach-test", "No such file or directory"),
    ("/sys/voice-coach-test", "Operation not permitted" if os.geteuid() == 0 else "Permission denied"),
])
def test_an_unwritable_data_folder_stops_the_session_before_it_starts(tmp_path: Path, kind: str, why: str):
    speech, rate = sf.read(shared_data() / f"{HARVARD}/spk1_snt1.wav", dtype="int16")
    wav = tmp_path / "in.wav"
    sf.write(wav, np.concatenate([np.zeros(15 * rate, dtype=np.int16), speech]), rate, subtype="PCM_16")
    data = _unwritable(tmp_path, kind)
    r = subprocess.run(_practice(wav, data), capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, (r.stdout, r.stderr)
    (line,) = r.stderr.strip().splitlines()
    assert line == (f"voice-coach: error: cannot save sessions in {data}: {why}; "
                    "give a folder you can write with --data-dir")
    assert "Coach" not in r.stdout and "Session ended" not in r.stdout  # no session ran
    assert (tmp_path / "a-file").read_text() == "not a folder"  # nothing was made or changed
    if kind == "sessions is a plain file":
        assert (data / "sessions").read_text() == "in the way"
    elif kind.startswith("/"):
        assert not data.exists()


def test_a_log_that_cannot_be_made_is_refused_at_once(tmp_path: Path, capsys):
    blocker = tmp_path / "data"
    blocker.write_text("in the way")
    with pytest.raises(UserError, match=f"cannot save sessions in {blocker}: Not a directory"):
        SessionLog.create(blocker)
    assert blocker.read_text() == "in the way" and capsys.readouterr().err == ""


class _FullDisk:
    """os.write that fails with "No space left on device" for a session log, after `room` writes."""

    def __init__(self, room: int) -> None:
        self.room, self.real = room, os.write

    def __call__(self, fd: int, data: bytes) -> int:
        if os.readlink(f"/proc/self/fd/{fd}").endswith("events.jsonl"):
            if self.room <= 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.room -= 1
        return self.real(fd, data)


def test_a_disk_that_fills_mid_session_keeps_what_was_written_and_says_so_in_one_line(
    tmp_path: Path, monkeypatch, capsys
):
    from voice_coach.app import run_session
    from voice_coach.hearing.audio_source import ArraySource
    from voice_coach.settings import Settings
    from voice_coach.speaking.player import Timeline, TimelinePlayer
    from voice_coach.view import ConsoleView

    monkeypatch.setattr(os, "write", _FullDisk(room=3))
    s = Settings(exercise="mirroring", data_dir=str(tmp_path))
    with pytest.raises(UserError) as e:
        run_session(s, ArraySource(np.zeros(12 * 16000, dtype=np.int16)), TimelinePlayer(Timeline()),
                    ConsoleView(live=False), first_use=False)
    monkeypatch.undo()
    (log,) = (tmp_path / "sessions").glob("*/events.jsonl")
    kept = read_events(log)
    assert [ev["type"] for ev in kept] == ["session_start", "cue", "cue"]  # the three writes that fit
    assert log.read_bytes().endswith(b"\n")  # whole lines only
    message = str(e.value)
    assert message.startswith("the session ended (audio ended), but ") and "\n" not in message
    assert f"event(s) of this session could not be saved (No space left on device); the 3 before them " \
        f"are kept in {log}" in message
    warnings = [line for line in capsys.readouterr().err.splitlines() if "cannot save this session" in line]
    assert len(warnings) == 1 and "goes on" in warnings[0]  # said once, when it happened


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


def test_events_that_wait_in_memory_are_all_saved_once_the_disk_has_room(tmp_path: Path, monkeypatch):
    log = SessionLog.create(tmp_path)
    log.write("session_start", 0.0)
    monkeypatch.setattr(os, "write", _FullDisk(room=0))
    log.write("cue", 1.0, key="welcome")
    log.write("turn_start", 2.0, turn=1)
    assert not log.saved and "2 event(s) of this session could not be saved" in (log.loss() or "")
    assert "the 1 before them are kept" in (log.loss() or "")
    monkeypatch.undo()  # room again
    log.write("turn_end", 3.0, turn=1)
    log.close()
    assert log.saved and log.loss() is None
    assert [e["type"] for e in read_events(log.path)] == ["session_start", "cue", "turn_start", "turn_end"]


def test_a_session_never_saved_says_so(tmp_path: Path, monkeypatch):
    log = SessionLog.create(tmp_path)
    monkeypatch.setattr(os, "write", _FullDisk(room=0))
    log.write("session_start", 0.0)
    log.write("session_end", 5.0, reason="complete")
    log.close()
    monkeypatch.undo()
    assert log.loss() == "2 event(s) of this session could not be saved (No space left on device); " \
        "nothing of it was saved"
    assert log.path.read_bytes() == b""


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


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_stopped_session_keeps_its_log_and_exits_with_the_signal_s_code(tmp_path: Path, sig, code):
    """Ctrl-C (SIGINT) and a service manager's stop (SIGTERM): the log is closed with its end, and
    the exit code says the session was stopped (130, 143), not that it finished (0)."""
    rng = np.random.default_rng(0)
    room = tmp_path / "quiet-room.wav"  # twenty minutes of a quiet room: longer than the test waits
    sf.write(room, (rng.standard_normal(20 * 60 * 16000) * 30).astype(np.int16), 16000)
    data = tmp_path / "data"
    app = subprocess.Popen([sys.executable, "-m", "voice_coach", "practice", "--input-file", str(room),
                            "--data-dir", str(data)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(data.glob("sessions/*/events.jsonl")):
        time.sleep(0.2)
    time.sleep(2.0)  # into the session
    app.send_signal(sig)
    out, err = app.communicate(timeout=60)
    assert app.returncode == code, err
    assert "Traceback" not in err and "voice-coach: stopped" in err
    (log,) = data.glob("sessions/*/events.jsonl")
    events = read_events(log)
    assert events[-1]["type"] == "session_end" and events[-1]["reason"] == "interrupted"


def test_no_room_to_synthesise_the_coach_is_one_line_and_the_log_keeps_its_end(tmp_path: Path, monkeypatch):
    """A full temporary disk: espeak's write would fail inside pyttsx3's loop, which then never
    returns. The room is checked first: one line, and the session's log is closed with its end."""
    from collections import namedtuple

    from voice_coach.app import run_session
    from voice_coach.hearing.audio_source import ArraySource
    from voice_coach.settings import Settings
    from voice_coach.speaking import espeak_synth
    from voice_coach.speaking.player import Timeline, TimelinePlayer
    from voice_coach.view import ConsoleView

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(espeak_synth.shutil, "disk_usage", lambda folder: usage(10**9, 10**9 - 2**20, 2**20))
    monkeypatch.delenv("VOICE_COACH_CUE_CACHE")
    data = tmp_path / "data"  # an empty cue cache: the opening cue must be synthesised
    with pytest.raises(UserError, match=r"no room to synthesise the coach's voice: 1024 KB free in "):
        run_session(Settings(data_dir=str(data), voice="espeak", voice_rate=171), ArraySource(np.zeros(16000, np.int16)),
                    TimelinePlayer(Timeline()), ConsoleView(live=False), first_use=False)
    (log,) = data.glob("sessions/*/events.jsonl")
    events = read_events(log)
    assert events[-1]["type"] == "session_end" and events[-1]["reason"].startswith("error: no room")
