"""The index of past sessions: what it computes from a log, when it rebuilds itself, and the
`sessions` and `forget` commands."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from voice_coach.records import store
from voice_coach.records.session_log import read_events, read_log

# ---------------------------------------------------------------------------------------------
# Sessions written as the loop writes them (the demo's log is the model), shared with test_report


def session_events(
    started: dt.datetime, *, answers: tuple[str, ...] = ("partly", "yes", "yes"), recalls: tuple = (),
    interruptions: int = 0, text: bool = True, ended: str | None = "complete", a: str = "Alex", b: str = "Sam",
) -> list[dict]:
    """A mirroring session: one round per answer (a "partly"/"no" is followed by a round saying
    it again), the first half sent by `a`, the rest by `b`."""
    ev: list[dict] = [{
        "type": "session_start", "t": 0.0, "started": started.isoformat(timespec="seconds"),
        "exercise": "mirroring", "sender": a, "receiver": b, "model": "tiny.en", "settings": {},
    }]
    t, turn = 0.0, 0

    def cue(key: str, words: str, secs: float, step: str) -> None:
        nonlocal t
        ev.append({"type": "cue", "t": round(t, 3), "key": key, "text": words, "end": round(t + secs, 3),
                   "step": step})
        t += secs

    def say(who: str, step: str, words: str, pause: float) -> None:
        nonlocal t, turn
        turn += 1
        start, secs = t + pause, len(words.split()) * 0.4
        ev.append({"type": "turn_start", "t": round(start, 3), "turn": turn, "speaker": who})
        ev.append({"type": "turn_end", "t": round(start + secs + 1, 3), "turn": turn, "speaker": who,
                   "step": step, "start": round(start, 3), "end": round(start + secs, 3),
                   "duration": round(secs, 3), "pieces": 1})
        tr = {"type": "transcript", "t": round(start + secs + 1, 3), "turn": turn, "speaker": who, "step": step}
        if text:
            tr["text"] = words
        ev.append(tr)
        if step in ("share", "mirror"):  # the slow-down's pace, words or no words kept: 90% of it speech
            wpm = round(60 * len(words.split()) / (0.9 * secs), 1)
            ev.append({"type": "note", "t": round(start + secs + 1, 3), "kind": "pace", "turn": turn,
                       "detail": f"{wpm:.0f} wpm over {0.9 * secs:.1f} s of speech", "value": wpm})
        t = start + secs + 1

    cue("welcome", f"Welcome, {a} and {b}.", 5.0, "share")
    sender, receiver = a, b
    recall_iter = iter(recalls)
    for i, answer in enumerate(answers):
        if i == (len(answers) + 1) // 2:
            sender, receiver = b, a
            cue("switch", f"{sender}, you are now the sender.", 3.0, "share")
        say(sender, "share", f"I felt worried when piece {i + 1} happened to us", 0.8)
        cue("prompt_mirror", f"{receiver}, please mirror.", 3.0, "mirror")
        say(receiver, "mirror", f"You felt worried when piece {i + 1} happened to us", 1.5)
        recall = next(recall_iter, None)
        if recall is not None:
            ev.append({"type": "note", "t": round(t, 3), "kind": "fidelity", "recall": recall,
                       "missed": ["worried"] if recall < 1 else [], "added": []})
        cue("check", f"{sender}, did {receiver} get it?", 2.0, "check")
        say(sender, "check", {"yes": "Yes.", "partly": "Partly.", "no": "No."}.get(answer, "Hmm."), 0.6)
        ev.append({"type": "note", "t": round(t, 3), "kind": "answer", "detail": answer})
    for k in range(interruptions):
        ev.append({"type": "note", "t": round(t + k, 3), "kind": "interruption", "detail": f"{b} started over {a}"})
    cue("close", "Thank you both.", 3.0, "done")
    if ended:
        ev.append({"type": "finish", "t": round(t, 3), "reason": ended})
        ev.append({"type": "session_end", "t": round(t + 0.1, 3), "reason": ended})
    return ev


def write_session(data: Path, started: dt.datetime, **kw) -> Path:
    """Write a session folder as the loop does; returns its log."""
    folder = data / "sessions" / started.strftime("%Y-%m-%d_%H-%M-%S")
    folder.mkdir(parents=True, mode=0o700)
    log = folder / "events.jsonl"
    log.write_text("".join(json.dumps(e) + "\n" for e in session_events(started, **kw)))
    return log


def vc(*args: str, data: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "voice_coach", *args, "--data-dir", str(data)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, input=stdin)


def one_line_error(r: subprocess.CompletedProcess) -> str:
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("voice-coach: error:"), r.stderr
    return lines[0]


DAY = dt.datetime(2026, 11, 2, 19, 30)

# ---------------------------------------------------------------------------------------------
# What a log says


def test_summary_counts_rounds_answers_talk_and_scores():
    ev = session_events(DAY, answers=("partly", "yes", "yes", "no"), recalls=(0.5, 1.0, 0.75), interruptions=2)
    s = store.summarize("x", ev)
    assert (s.exercise, s.sender, s.receiver, s.ended) == ("mirroring", "Alex", "Sam", "complete")
    assert s.started == DAY
    assert len(s.rounds) == 4 and s.senders == ["Alex", "Sam"]
    assert [r.answer for r in s.rounds] == ["partly", "yes", "yes", "no"]
    assert [r.again for r in s.rounds] == [False, True, False, False]
    assert s.understood == 2 and s.checked == 4
    assert s.interruptions == 2
    assert s.mirroring == pytest.approx((0.5 + 1.0 + 0.75) / 3)
    assert s.rounds[0].missed == ["worried"]
    talk = s.talk()
    spoken = {"Alex": 0.0, "Sam": 0.0}
    for e in ev:
        if e["type"] == "turn_end":
            spoken[e["speaker"]] += e["duration"]
    assert talk == pytest.approx(spoken)
    mirror = next(t for t in s.turns if t.step == "mirror")
    assert mirror.pause == pytest.approx(1.5)  # after the cue "please mirror" ended
    share = s.turns[0]
    assert share.words == 9 and share.wpm == pytest.approx(9 / (0.9 * 3.6) * 60, abs=0.1)  # the slow-down's
    assert not any(m.kind == "pace" for m in s.marks)  # a turn's pace, not a moment to point out


def test_summary_without_transcript_text_or_fidelity():
    s = store.summarize("x", session_events(DAY, text=False))
    assert not s.has_text
    assert all(t.text is None and t.words is None for t in s.turns)
    assert all((t.wpm is not None) == (t.step in ("share", "mirror")) for t in s.turns)  # a number, kept
    assert s.mirroring is None
    assert len(s.rounds) == 3


def test_a_cut_off_log_has_no_ending_and_odd_fields_are_tolerated():
    ev = session_events(DAY, ended=None)
    ev.append({"type": "turn_end", "t": "soon", "speaker": None})  # junk from another version
    ev.append({"type": "note", "kind": "fidelity", "recall": "high"})
    s = store.summarize("2026-11-02_19-30-00", ev)
    assert s.ended is None and s.mirroring is None
    assert s.turns[-1].speaker == "?"


# ---------------------------------------------------------------------------------------------
# The index


def _index_rows(data: Path) -> list[tuple]:
    with sqlite3.connect(data / "index.sqlite3") as db:
        return db.execute("SELECT id, rounds, understood FROM sessions ORDER BY id").fetchall()


def test_index_lists_sessions_oldest_first_and_is_private(tmp_path: Path):
    write_session(tmp_path, DAY + dt.timedelta(days=7), answers=("yes",))
    write_session(tmp_path, DAY, recalls=(0.8, 0.6))
    rows = store.list_sessions(tmp_path)
    assert [r.started for r in rows] == [DAY, DAY + dt.timedelta(days=7)]
    assert rows[0].rounds == 3 and rows[0].understood == 2 and rows[0].mirroring == pytest.approx(0.7)
    assert rows[1].rounds == 1 and rows[1].mirroring is None and rows[1].senders == ["Alex"]
    assert (tmp_path / "index.sqlite3").stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(tmp_path / "index.sqlite3") as db:
        kinds = {r[0] for r in db.execute("SELECT name FROM metrics")}
        words = db.execute("SELECT words FROM turns WHERE step = 'share'").fetchall()
        assert "talk_seconds" in kinds and "share_wpm" in kinds
        assert words and all(w[0] == 9 for w in words)
        columns = {r[1] for t in ("sessions", "turns", "metrics") for r in db.execute(f"PRAGMA table_info({t})")}
    assert "text" not in columns  # the words stay in the session's own folder


def test_index_follows_new_changed_and_deleted_logs(tmp_path: Path):
    log = write_session(tmp_path, DAY, answers=("yes",), ended=None)
    assert store.list_sessions(tmp_path)[0].ended is None
    with log.open("a") as f:  # the session went on after the index was made
        f.write(json.dumps({"type": "session_end", "t": 99.0, "reason": "complete"}) + "\n")
    later = write_session(tmp_path, DAY + dt.timedelta(days=1))
    rows = store.list_sessions(tmp_path)
    assert [r.ended for r in rows] == ["complete", "complete"]
    import shutil

    shutil.rmtree(later.parent)
    assert [r.id for r in store.list_sessions(tmp_path)] == [log.parent.name]


@pytest.mark.parametrize("damage", ["missing", "garbage", "old schema", "truncated"])
def test_index_is_rebuilt_when_missing_damaged_or_old(tmp_path: Path, damage: str):
    write_session(tmp_path, DAY)
    write_session(tmp_path, DAY + dt.timedelta(days=2), answers=("yes", "yes"))
    store.list_sessions(tmp_path)
    path = tmp_path / "index.sqlite3"
    if damage == "missing":
        path.unlink()
    elif damage == "garbage":
        path.write_bytes(b"this is not a database" * 500)
    elif damage == "old schema":
        path.unlink()
        with sqlite3.connect(path) as db:
            db.execute("CREATE TABLE sessions (id TEXT, rounds INTEGER)")
            db.execute("INSERT INTO sessions VALUES ('2026-11-02_19-30-00', 42)")
    else:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 3])
    rows = store.list_sessions(tmp_path)
    assert [(r.rounds, r.understood) for r in rows] == [(3, 2), (2, 2)]
    assert _index_rows(tmp_path) == [(r.id, r.rounds, r.understood) for r in rows]
    assert path.stat().st_mode & 0o777 == 0o600


def test_index_reads_a_log_whose_last_line_is_cut_off(tmp_path: Path):
    log = write_session(tmp_path, DAY)
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])  # session_end, cut
    assert read_events(log)[-1] == json.loads(lines[-2])
    (row,) = store.list_sessions(tmp_path)
    assert row.ended is None and row.rounds == 3


def test_index_in_memory_when_it_cannot_be_written(tmp_path: Path):
    write_session(tmp_path, DAY)
    (tmp_path / "index.sqlite3").mkdir()  # something in the way: the index cannot be a file there
    (row,) = store.list_sessions(tmp_path)
    assert row.rounds == 3


def test_no_sessions_folder_lists_nothing_and_creates_nothing(tmp_path: Path):
    assert store.list_sessions(tmp_path / "new") == []
    assert not (tmp_path / "new").exists()


def test_find_session_by_id_prefix_or_last(tmp_path: Path):
    for d in (DAY, DAY + dt.timedelta(hours=1), DAY + dt.timedelta(days=31)):
        write_session(tmp_path, d)
    assert store.find_session(tmp_path, None) == "2026-12-03_19-30-00"
    assert store.find_session(tmp_path, "last") == "2026-12-03_19-30-00"
    assert store.find_session(tmp_path, "2026-12") == "2026-12-03_19-30-00"
    assert store.find_session(tmp_path, "2026-11-02_19-30-00") == "2026-11-02_19-30-00"
    with pytest.raises(store.UserError, match="matches 2 sessions"):
        store.find_session(tmp_path, "2026-11-02")
    with pytest.raises(store.UserError, match="no session '../x'"):
        store.find_session(tmp_path, "../x")


# ---------------------------------------------------------------------------------------------
# The commands


def test_sessions_command_lists_what_the_couple_needs(tmp_path: Path):
    write_session(tmp_path, DAY, recalls=(0.9, 0.7, 0.8), interruptions=1)
    write_session(tmp_path, DAY + dt.timedelta(days=3), answers=("yes",), ended=None)
    r = vc("sessions", data=tmp_path)
    assert r.returncode == 0, r.stderr
    header, first, second = r.stdout.splitlines()[:3]
    for column in ("Date", "Exercise", "Who sent", "Minutes", "Rounds", "Interruptions", "Mirroring"):
        assert column in header
    assert first.split()[:1] == ["2026-11-02_19-30-00"]
    assert "Mon 02 Nov 2026" in first and "Alex, Sam" in first and "80%" in first
    assert first.split()[-3:] == ["3", "1", "80%"]
    assert second.startswith("2026-11-05_19-30-00 *") and second.split()[-3:] == ["1", "0", "–"]
    assert "stopped unexpectedly" in r.stdout


def test_sessions_with_nothing_stored(tmp_path: Path):
    r = vc("sessions", data=tmp_path / "none")
    assert r.returncode == 0 and "No sessions yet" in r.stdout


def test_forget_asks_first_and_deletes_the_session_and_its_index_rows(tmp_path: Path):
    keep = write_session(tmp_path, DAY)
    gone = write_session(tmp_path, DAY + dt.timedelta(days=1))
    store.list_sessions(tmp_path)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "old.html").write_text("words")

    r = vc("forget", "2026-11-03", data=tmp_path, stdin="n\n")
    assert r.returncode == 0 and "Nothing was deleted" in r.stdout and "[y/N]" in r.stdout
    assert gone.exists()

    r = vc("forget", "2026-11-03", data=tmp_path, stdin="y\n")
    assert r.returncode == 0, r.stderr
    assert not gone.parent.exists() and keep.exists()
    assert not (tmp_path / "reports").exists()
    assert _index_rows(tmp_path) == [(keep.parent.name, 3, 2)]
    # secure_delete: nothing of the forgotten session is left in the index file's free pages
    assert gone.parent.name.encode() not in (tmp_path / "index.sqlite3").read_bytes()


def test_forget_all_with_yes_keeps_only_the_speech_models(tmp_path: Path):
    write_session(tmp_path, DAY)
    write_session(tmp_path, DAY + dt.timedelta(days=1))
    store.list_sessions(tmp_path)
    (tmp_path / "requests.jsonl").write_text('{"text": "a hug"}\n')
    (tmp_path / "models" / "base").mkdir(parents=True)
    r = vc("forget", "--all", "--yes", data=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "2 session(s)" in r.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["models"]
    assert (tmp_path / "models" / "base").is_dir()


def test_forget_all_touches_nothing_voice_coach_did_not_write(tmp_path: Path):
    """A mistyped --data-dir (a home folder) keeps everything that is not the coach's."""
    write_session(tmp_path, DAY)
    store.list_sessions(tmp_path)
    (tmp_path / "thesis.txt").write_text("years of work")
    (tmp_path / "Photos").mkdir()
    (tmp_path / "Photos" / "wedding.jpg").write_bytes(b"\xff\xd8")
    r = vc("forget", "--all", "--yes", data=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "2 other file(s)" in r.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Photos", "thesis.txt"]
    assert (tmp_path / "Photos" / "wedding.jpg").read_bytes() == b"\xff\xd8"
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.md").write_text("mine")
    r = vc("forget", "--all", "--yes", data=empty)
    assert r.returncode == 0 and "Nothing is stored" in r.stdout
    assert (empty / "notes.md").read_text() == "mine"


@pytest.mark.parametrize("args,expect", [
    (("forget",), "say which session to forget"),
    (("forget", "", "--yes"), "say which session"),
    (("forget", "  ", "--yes"), "say which session"),
    (("forget", "2026", "--all"), "say which session to forget"),
    (("forget", "1999", "--yes"), "no session '1999'"),
    (("report", "1999"), "no session '1999'"),
])
def test_looking_back_bad_input_is_one_line(tmp_path: Path, args: tuple, expect: str):
    write_session(tmp_path, DAY)
    assert expect in one_line_error(vc(*args, data=tmp_path))


def test_report_with_no_sessions_is_one_line(tmp_path: Path):
    assert "no sessions yet" in one_line_error(vc("report", data=tmp_path))
    assert not os.path.exists(tmp_path / "reports")


# ---------------------------------------------------------------------------------------------
# One damaged session never breaks the others (issue 15, item 4)

DEEP = b"[" * 100_000 + b"]" * 100_000
BAD_LINES = {
    "1e999": b'{"type": "turn_end", "t": 1e999, "turn": 50, "speaker": "Alex", "start": 1, "end": 2}',
    "NaN": b'{"type": "cue", "t": NaN, "key": "x", "end": 3}',
    "Infinity": b'{"type": "cue", "t": -Infinity, "key": "x", "end": Infinity}',
    "deep nesting": b'{"type": "note", "kind": "command", "detail": ' + DEEP + b"}",
    "deep nesting alone": DEEP,
    "huge whole number": b'{"type": "transcript", "turn": 1, "words": ' + b"9" * 40 + b"}",
    "lone surrogate": b'{"type": "note", "kind": "command", "detail": "\\ud800"}',
    "binary garbage": bytes(b for b in range(256) if b != ord("\n")) * 4,
    "not an event": b'[1, 2, {"type": "cue"}]',
}


def _damage(log: Path, *lines: bytes) -> None:
    """Put `lines` in the middle of a log, as if written there by something else."""
    good = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(good[:5]) + b"".join(line + b"\n" for line in lines) + b"".join(good[5:]))


@pytest.mark.parametrize("name", BAD_LINES)
def test_a_damaged_line_is_left_out_and_noted_and_every_session_still_lists_and_reports(tmp_path: Path, name: str):
    from voice_coach.records.report import build_report

    write_session(tmp_path, DAY)
    damaged = write_session(tmp_path, DAY + dt.timedelta(days=1), recalls=(1.0, 0.5, 0.75))
    _damage(damaged, BAD_LINES[name])
    good, bad = store.list_sessions(tmp_path)
    assert good.damage is None and bad.damage == "1 damaged line(s) left out"
    assert (bad.rounds, bad.understood, bad.ended) == (3, 2, "complete")  # the rest reads as before
    assert bad.mirroring == pytest.approx(0.75) and math.isfinite(bad.seconds) and bad.seconds < 200
    page = build_report(tmp_path, bad.id)
    assert "could not be read (1 damaged line(s) left out)" in page
    assert "could not be read" not in build_report(tmp_path, good.id)


def test_odd_values_in_well_formed_lines_are_tolerated_not_damage(tmp_path: Path):
    from voice_coach.records.report import build_report

    log = write_session(tmp_path, DAY)
    _damage(log, *(json.dumps(e).encode() for e in [
        {"type": "turn_end", "t": "soon", "start": [], "end": {}, "speaker": 5, "turn": True, "pieces": None},
        {"type": "transcript", "turn": 1e300, "words": -3, "text": 7},
        {"type": "note", "kind": "fidelity", "recall": 1e308, "missed": {"a": 1}, "added": 12},
        {"type": "note", "kind": "pace", "t": -1e300, "value": 1e300},
        {"type": "cue", "t": 1e200, "end": 1e250, "key": ["x"]},
        {"type": "turn_end", "t": 5, "speaker": "x" * 100_000, "step": "share"},
    ]))
    (row,) = store.list_sessions(tmp_path)
    assert row.damage is None and row.rounds == 4 and row.seconds < 200
    assert "Your dialogue" in build_report(tmp_path, row.id)


def test_a_start_time_with_a_timezone_is_read_as_local_time(tmp_path: Path):
    from voice_coach.records.report import build_report

    write_session(tmp_path, DAY)
    other = write_session(tmp_path, DAY + dt.timedelta(days=1))
    events = read_events(other)
    events[0]["started"] = "2026-11-03T19:30:00+05:00"
    other.write_text("".join(json.dumps(e) + "\n" for e in events))
    rows = store.list_sessions(tmp_path)
    aware = dt.datetime(2026, 11, 3, 19, 30, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    assert rows[1].started == aware.astimezone().replace(tzinfo=None) and rows[1].started.tzinfo is None
    assert "Your dialogue" in build_report(tmp_path, rows[1].id)
    for odd in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "yesterday", 5):
        events[0]["started"] = odd
        other.write_text("".join(json.dumps(e) + "\n" for e in events))
        assert store.list_sessions(tmp_path)[1].started == DAY + dt.timedelta(days=1)  # from its ID


def _endless(path: Path, kind: str) -> None:
    """Make `path` something that is no log: a link to an endless file, a FIFO, a folder."""
    if kind.startswith("/dev/"):
        path.symlink_to(kind)
    elif kind == "fifo":
        os.mkfifo(path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "link to a log elsewhere":
        (path.parent.parent.parent / "elsewhere.jsonl").write_bytes(b'{"type": "session_start", "t": 0}\n')
        path.symlink_to(path.parent.parent.parent / "elsewhere.jsonl")


@pytest.mark.parametrize("kind,why", [
    ("/dev/zero", "it is a symbolic link, which is not followed"),
    ("/dev/urandom", "it is a symbolic link, which is not followed"),
    ("fifo", "it is not a regular file"),
    ("folder", "it is not a regular file"),
    ("link to a log elsewhere", "it is a symbolic link, which is not followed"),
    ("session folder linked to /proc/self", "its folder is a symbolic link, which is not followed"),
])
def test_a_log_that_is_no_regular_file_is_shown_as_damaged_at_once(tmp_path: Path, kind: str, why: str):
    write_session(tmp_path, DAY)
    victim = tmp_path / "sessions" / "2026-11-03_19-30-00"
    if kind.startswith("session folder"):
        victim.symlink_to("/proc/self")
    else:
        victim.mkdir()
        _endless(victim / "events.jsonl", kind)
    r = vc("sessions", data=tmp_path)  # a hang would time out; before, /dev/zero never ended
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1].startswith("2026-11-02_19-30-00 ") and " 3 " in r.stdout.splitlines()[1]
    assert r.stdout.splitlines()[2].startswith("2026-11-03_19-30-00 * !")
    assert f"! 2026-11-03_19-30-00: its log cannot be read: {why}." in r.stdout.splitlines()
    from voice_coach.records.report import build_report

    assert "Your dialogue" in build_report(tmp_path, "2026-11-02_19-30-00")
    with pytest.raises(store.UserError, match=f"cannot report on session 2026-11-03_19-30-00: its log cannot be read: {why}"):
        build_report(tmp_path, "2026-11-03_19-30-00")


def test_an_unreadable_log_is_shown_as_damaged_and_the_others_still_list(tmp_path: Path, monkeypatch):
    write_session(tmp_path, DAY)
    locked = write_session(tmp_path, DAY + dt.timedelta(days=1))
    locked.chmod(0)
    if os.geteuid() == 0:  # chmod binds everyone but root: refuse it as the kernel would anyone else
        real_open = os.open

        def refusing_open(path, flags, mode=0o777, *, dir_fd=None):
            where = os.readlink(f"/proc/self/fd/{dir_fd}") if dir_fd is not None else ""
            if os.path.join(where, path) == str(locked):
                raise PermissionError(13, "Permission denied")
            return real_open(path, flags, mode, dir_fd=dir_fd)

        monkeypatch.setattr(os, "open", refusing_open)
    good, bad = store.list_sessions(tmp_path)
    assert good.damage is None and good.rounds == 3
    assert bad.damage == "its log cannot be read: Permission denied" and bad.rounds == 0
    with pytest.raises(store.UserError, match="cannot report on session 2026-11-03_19-30-00: its log cannot"):
        from voice_coach.records.report import build_report

        build_report(tmp_path, bad.id)
    monkeypatch.undo()
    locked.chmod(0o600)  # readable again: the index sees it (chmod changes the log's ctime)
    assert [r.damage for r in store.list_sessions(tmp_path)] == [None, None]
    assert store.list_sessions(tmp_path)[1].rounds == 3


def test_a_log_beyond_any_real_size_is_read_only_up_to_its_limit(tmp_path: Path):
    from voice_coach.records.session_log import MAX_LOG_BYTES

    log = write_session(tmp_path, DAY)
    with log.open("ab") as f:
        f.truncate(MAX_LOG_BYTES + (8 << 20))  # sparse: no disk used
    (row,) = store.list_sessions(tmp_path)
    assert row.rounds == 3 and row.damage == f"only its first {MAX_LOG_BYTES >> 20} MB read"


def test_a_session_folder_named_in_bytes_that_are_not_text_is_not_ours(tmp_path: Path):
    write_session(tmp_path, DAY)
    os.mkdir(os.fsencode(tmp_path / "sessions") + b"/\xff\xfe")
    assert [r.id for r in store.list_sessions(tmp_path)] == ["2026-11-02_19-30-00"]


# Hypothesis: the reader and everything after it, on anything a log could hold

_TIMES = (st.datetimes().map(lambda d: d.isoformat())
          | st.builds(lambda d, m: d.replace(tzinfo=dt.timezone(dt.timedelta(minutes=m))).isoformat(),
                      st.datetimes(), st.integers(-1439, 1439)))
_NUMBERS = (st.floats() | st.integers() | st.integers(-(2**80), 2**80)
            | st.sampled_from([1e300, -1e300, 2.0**63, 2**63, -(2**63), 1e9 + 1, 5e-324, -0.0]))
_JSON = st.recursive(
    st.none() | st.booleans() | _NUMBERS | st.text(max_size=12) | _TIMES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
_TYPES = st.sampled_from(["session_start", "cue", "turn_start", "turn_end", "transcript", "note", "session_end"])
_FIELDS = {name: _NUMBERS | _JSON for name in ("t", "end", "start", "turn", "pieces", "words", "recall", "value")}
_FIELDS |= {name: st.sampled_from(["Alex", "Sam", "?", "share", "mirror", "check"]) | _JSON
            for name in ("speaker", "step", "text", "detail", "missed", "added", "reason", "exercise", "sender",
                         "receiver", "key")}
_FIELDS["started"] = _TIMES | _JSON
_FIELD = st.sampled_from(sorted(_FIELDS)).flatmap(lambda name: st.tuples(st.just(name), _FIELDS[name]))
_EVENT = st.builds(
    lambda ty, kind, fields: {"type": ty, "kind": kind, **dict(fields)}, _TYPES | st.text(max_size=4),
    st.sampled_from(["answer", "fidelity", "feedback", "interruption", "cut_off", "pace", "command"]),
    st.lists(_FIELD, max_size=5),
)
_START = st.builds(lambda when: {"type": "session_start", "started": when}, _FIELDS["started"])
# Numbers as text, as no JSON writer writes them but a damaged file may hold them
_RAW = st.builds(lambda ty, name, number: f'{{"type": "{ty}", "{name}": {number}}}'.encode(), _TYPES,
                 st.sampled_from(["t", "end", "start", "turn", "words", "recall", "value"]),
                 st.sampled_from(["1e999", "-1e400", "NaN", "Infinity", "-Infinity", "9" * 30, "1e308", "-0.0"]))
_LINE = ((_EVENT | _START).map(lambda e: json.dumps(e).encode()) | _RAW | _JSON.map(lambda v: json.dumps(v).encode())
         | st.binary(max_size=40))


def _fuzzed_log(lines: list[bytes], at: int) -> bytes:
    good = [json.dumps(e).encode() for e in session_events(DAY, recalls=(0.5, 1.0))]
    return b"\n".join(good[:at] + lines + good[at:]) + b"\n"


def _check_events(events: list[dict]) -> None:
    for e in events:
        assert isinstance(e, dict) and isinstance(e["type"], str)
        text = json.dumps(e, allow_nan=False, ensure_ascii=False)  # finite numbers only
        text.encode("utf-8")  # and text that is text


@hyp_settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2000))
def test_fuzz_the_reader_takes_any_bytes(blob: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "events.jsonl").write_bytes(blob)
        read = read_log(Path(tmp) / "events.jsonl")
        _check_events(read.events)
        assert read.damaged <= blob.count(b"\n") and read.unreadable is None


@hyp_settings(max_examples=250, deadline=None)
@given(st.lists(_LINE, max_size=8), st.integers(0, 40))
def test_fuzz_any_damage_in_a_log_still_lists_every_session(lines: list[bytes], at: int):
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        write_session(data, DAY - dt.timedelta(days=1))
        log = write_session(data, DAY)
        log.write_bytes(_fuzzed_log(lines, at))
        _check_events(read_events(log))
        rows = store.list_sessions(data)
        assert [r.id for r in rows] == ["2026-11-01_19-30-00", "2026-11-02_19-30-00"] or \
            [r.id for r in rows] == ["2026-11-02_19-30-00", "2026-11-01_19-30-00"]  # by start time
        assert all(math.isfinite(r.seconds) and r.started.tzinfo is None for r in rows)


# Fewer examples than the listing's: each builds a whole report with its three plots (~0.7 s); the
# damage is drawn from the same lines, and the listing's fuzz reads them all through the same parser.
@hyp_settings(max_examples=12, deadline=None)
@given(st.lists(_LINE, min_size=1, max_size=6), st.integers(0, 40))
def test_fuzz_any_damage_in_a_log_still_reports(lines: list[bytes], at: int):
    from voice_coach.records.report import build_report

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        write_session(data, DAY).write_bytes(_fuzzed_log(lines, at))
        assert "</html>" in build_report(data, "2026-11-02_19-30-00")


def test_a_damaged_requests_file_lists_what_can_be_read(tmp_path: Path):
    good = {"date": "2026-11-02", "from": "Sam", "to": "Alex", "request": "a walk on Sundays", "session": "x"}
    (tmp_path / "requests.jsonl").write_bytes(
        b"\xff\xfe garbage\n" + json.dumps(good).encode() + b"\n" + b'{"date": 5}\n[1]\n{"request": "\\ud800"}\n'
        + b"[" * 100_000 + b"\n"
    )
    r = subprocess.run([sys.executable, "-m", "voice_coach", "requests", "--data-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["2026-11-02  Sam to Alex: a walk on Sundays"]
    (tmp_path / "requests.jsonl").unlink()
    (tmp_path / "requests.jsonl").symlink_to("/dev/zero")
    r = subprocess.run([sys.executable, "-m", "voice_coach", "requests", "--data-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "No requests yet" in r.stdout
