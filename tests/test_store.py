"""The index of past sessions: what it computes from a log, when it rebuilds itself, and the
`sessions` and `forget` commands."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from voice_coach import store
from voice_coach.session_log import read_events

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
    assert share.words == 9 and share.wpm == pytest.approx(9 / 3.6 * 60)


def test_summary_without_transcript_text_or_fidelity():
    s = store.summarize("x", session_events(DAY, text=False))
    assert not s.has_text
    assert all(t.text is None and t.words is None and t.wpm is None for t in s.turns)
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
