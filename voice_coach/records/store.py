"""Past sessions: what each one's log says, and a SQLite index of them all for looking back.

The JSON lines in each session's folder are the truth. `index.sqlite3` beside them is only a
cache of numbers (sessions, turns, metrics; never words) for listing sessions and showing
progress. It is brought up to date whenever a log is newer than its rows, and rebuilt from the
logs when it is missing, of an older schema or damaged; when the data folder cannot be written
it is built in memory instead. Deleted rows are overwritten (secure_delete), so forgetting a
session leaves nothing of it in the index.

The numbers are computed here from the events alone, simply: talking time per partner, rounds
(pieces shared), interruptions (notes of kind "interruption"), the mirroring score (the mean
recall of "fidelity" notes, when there are any), pace (the slow-down's "pace" notes: words a
minute of speech time) and the pause before each turn.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..dialogue.protocol import Step
from ..errors import UserError
from ..files import is_unicode
from .session_log import EVENTS_FILE, read_log

INDEX_FILE = "index.sqlite3"
SCHEMA_VERSION = 2  # 2: the damage column; the logs ctime, which chmod changes too, as its key

_SCHEMA = """
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    started TEXT NOT NULL,
    exercise TEXT NOT NULL,
    sender TEXT NOT NULL,
    receiver TEXT NOT NULL,
    senders TEXT NOT NULL,          -- JSON list: who sent, in order
    seconds REAL NOT NULL,
    rounds INTEGER NOT NULL,
    interruptions INTEGER NOT NULL,
    mirroring REAL,                 -- mean recall of the mirrors, 0..1; NULL when not measured
    understood INTEGER NOT NULL,    -- rounds whose first answer to "did they get it?" was yes
    checked INTEGER NOT NULL,       -- rounds that got an answer to it
    ended TEXT,                     -- why it ended; NULL when the log was cut off
    has_text INTEGER NOT NULL,
    damage TEXT,                    -- what could not be read of its log; NULL when all could
    log_ctime_ns INTEGER NOT NULL,
    log_size INTEGER NOT NULL
);
CREATE TABLE turns (
    session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    turn INTEGER NOT NULL,
    speaker TEXT NOT NULL,
    step TEXT NOT NULL,
    start REAL NOT NULL,
    stop REAL NOT NULL,
    pause REAL,
    words INTEGER,
    PRIMARY KEY (session, turn)
);
CREATE TABLE metrics (
    session TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    who TEXT NOT NULL,              -- a partner, or '' for the couple
    value REAL NOT NULL,
    PRIMARY KEY (session, name, who)
);
"""


# ---------------------------------------------------------------------------------------------
# What one session's log says


@dataclass
class Turn:
    turn: int
    speaker: str
    step: str  # share, mirror, check, more, ...
    start: float
    end: float
    pieces: int = 1
    pause: float | None = None  # silence between what came before (a cue, a turn) and this turn
    text: str | None = None  # None when transcripts were not kept
    words: int | None = None
    # words a minute of speech time, as the slow-down measured it (its "pace" note): shares and mirrors
    wpm: float | None = None

    @property
    def duration(self) -> float:
        return max(self.end - self.start, 0.0)


@dataclass
class Cue:
    t: float
    end: float
    key: str
    text: str | None


@dataclass
class Mark:
    """A note worth showing: an interruption, a remark on pace, a spoken command."""

    t: float
    kind: str
    detail: str
    value: float | None = None


@dataclass
class Round:
    """One piece shared, its mirror and the sender's answer to "did they get it?"."""

    number: int
    sender: str
    receiver: str
    share: list[Turn] = field(default_factory=list)
    mirror: list[Turn] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    again: bool = False  # the sender said again what the last mirror missed
    recall: float | None = None
    missed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    feedback: str | None = None  # what the coach said about the mirror

    @property
    def answer(self) -> str | None:
        """The first clear answer to "did they get it?"."""
        return next((a for a in self.answers if a != "unclear"), None)


@dataclass
class Session:
    id: str
    started: dt.datetime
    exercise: str = "?"
    sender: str = "?"
    receiver: str = "?"
    seconds: float = 0.0
    ended: str | None = None
    turns: list[Turn] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    marks: list[Mark] = field(default_factory=list)
    rounds: list[Round] = field(default_factory=list)
    has_text: bool = False
    events: int = 0
    country: str | None = None  # whose help lines apply (the session's setting)
    damage: str | None = None  # what could not be read of its log (session_log.LogRead.problem)

    @property
    def senders(self) -> list[str]:
        found = [r.sender for r in self.rounds]
        if not found and self.sender != "?":
            found = [self.sender]
        return list(dict.fromkeys(found))

    @property
    def partners(self) -> list[str]:
        names = [self.sender, self.receiver] + [t.speaker for t in self.turns]
        return [n for n in dict.fromkeys(names) if n not in ("?", "")]

    @property
    def interruptions(self) -> int:
        return sum(1 for m in self.marks if m.kind == "interruption")

    @property
    def mirroring(self) -> float | None:
        scores = [r.recall for r in self.rounds if r.recall is not None]
        return sum(scores) / len(scores) if scores else None

    @property
    def checked(self) -> int:
        return sum(1 for r in self.rounds if r.answer is not None)

    @property
    def understood(self) -> int:
        return sum(1 for r in self.rounds if r.answer == "yes")

    def talk(self) -> dict[str, float]:
        """Seconds each partner spoke."""
        out = {p: 0.0 for p in self.partners}
        for t in self.turns:
            out[t.speaker] = out.get(t.speaker, 0.0) + t.duration
        return out


LARGEST = 1e9  # seconds (30 years), turns, words: a number beyond it in a log is garbage


def _num(value: Any, default: float = 0.0) -> float:
    """A number from a log, or `default` when it is none or beyond any a session holds."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and -LARGEST <= value <= LARGEST:
        return float(value)
    return default


def _started_from_id(session_id: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(session_id[:19], "%Y-%m-%d_%H-%M-%S")
    except ValueError:
        return dt.datetime(1970, 1, 1)


def _local_time(value: Any, default: dt.datetime) -> dt.datetime:
    """A time from a log as a naive local time, as the program writes them (one written with a
    timezone is turned into local time: naive and aware times cannot be compared), or `default`
    for anything else, or for a year no session was held in."""
    try:
        when = dt.datetime.fromisoformat(value) if isinstance(value, str) else default
        if when.tzinfo is not None:
            when = when.astimezone().replace(tzinfo=None)
    except (ValueError, OverflowError, OSError):
        return default
    return when if 1970 <= when.year <= 9000 else default


def _words(items: Any) -> list[str]:
    if isinstance(items, str):
        return items.split()
    return [str(w) for w in items] if isinstance(items, list) else []


def summarize(session_id: str, events: list[dict[str, Any]]) -> Session:
    """Read one session's events into turns, cues, rounds and notes; odd or missing fields are
    tolerated, since a log may be cut off or come from another version."""
    s = Session(session_id, _started_from_id(session_id), events=len(events))
    turns: dict[int, Turn] = {}
    last_text_step: str | None = None
    for ev in events:
        kind = ev.get("type")
        t = _num(ev.get("t"))
        s.seconds = max(s.seconds, t)
        if kind == "session_start":
            s.started = _local_time(ev.get("started"), s.started)
            s.exercise = str(ev.get("exercise") or "?")
            s.sender = str(ev.get("sender") or "?")
            s.receiver = str(ev.get("receiver") or "?")
            settings = ev.get("settings")
            country = settings.get("country") if isinstance(settings, dict) else None
            s.country = country if isinstance(country, str) else None
        elif kind == "cue":
            end = _num(ev.get("end"), t)
            text = ev.get("text")
            s.cues.append(Cue(t, end, str(ev.get("key", "")), text if isinstance(text, str) else None))
            s.seconds = max(s.seconds, end)
        elif kind == "turn_end":
            start, end = _num(ev.get("start"), t), _num(ev.get("end"), t)
            before = [c.end for c in s.cues if c.t <= start] + [x.end for x in s.turns if x.end <= start]
            pause = max(start - max(before), 0.0) if before else None
            turn = Turn(
                int(_num(ev.get("turn"), len(s.turns) + 1)), str(ev.get("speaker") or "?"),
                str(ev.get("step") or "?"), start, end, int(_num(ev.get("pieces"), 1)), pause,
            )
            turns[turn.turn] = turn
            s.turns.append(turn)
            _on_turn(s, turn)
        elif kind == "transcript":
            text = ev.get("text")
            turn_ = turns.get(int(_num(ev.get("turn"), -1)))
            last_text_step = str(ev.get("step"))
            if turn_ is not None:
                if isinstance(text, str):
                    turn_.text, turn_.words = text, len(text.split())
                    s.has_text = True
                elif isinstance(ev.get("words"), int) and not isinstance(ev["words"], bool):
                    turn_.words = int(_num(ev["words"]))
        elif kind == "note" and ev.get("kind") == "pace":  # a share's or mirror's: the turn's pace
            turn_ = turns.get(int(_num(ev.get("turn"), -1)))
            value = _num(ev.get("value"), 0.0)
            if turn_ is not None and value > 0:
                turn_.wpm = value
        elif kind == "note":
            _on_note(s, ev, t, last_text_step)
        elif kind == "session_end":
            s.ended = str(ev.get("reason") or "ended")
    return s


def _on_turn(s: Session, turn: Turn) -> None:
    if turn.step == Step.SHARE.value:
        previous = s.rounds[-1] if s.rounds else None
        receiver = s.receiver if turn.speaker == s.sender else s.sender
        again = bool(previous and previous.sender == turn.speaker and previous.answer in ("partly", "no"))
        s.rounds.append(Round(len(s.rounds) + 1, turn.speaker, receiver, [turn], again=again))
    elif turn.step == Step.MIRROR.value and s.rounds:
        s.rounds[-1].mirror.append(turn)


def _on_note(s: Session, ev: dict[str, Any], t: float, last_text_step: str | None) -> None:
    kind = str(ev.get("kind") or "")
    detail = ev.get("detail")
    current = s.rounds[-1] if s.rounds else None
    if kind == "answer" and last_text_step == Step.CHECK.value and current is not None:
        current.answers.append(str(detail))
    elif kind == "fidelity" and current is not None:
        recall = ev.get("recall")
        if isinstance(recall, (int, float)) and not isinstance(recall, bool) and 0 <= recall <= 1:
            current.recall = float(recall)
        current.missed = _words(ev.get("missed"))
        current.added = _words(ev.get("added"))
    elif kind == "feedback" and current is not None and isinstance(detail, str):
        current.feedback = detail
    elif kind in ("interruption", "cut_off", "command", "care", "heated", "another_voice"):
        value = ev.get("value")
        number = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        at = _num(ev.get("start"), t) if kind == "another_voice" else t  # shown where it was heard
        s.marks.append(Mark(at, kind, "" if detail is None else str(detail), number))


def load_session(data_dir: Path, session_id: str) -> Session:
    """What a session's log says; a damaged or unreadable log gives what could be read and a
    note of the damage, so one such session never stops the others being listed or reported."""
    try:
        read = read_log(sessions_dir(data_dir) / session_id / EVENTS_FILE)
    except FileNotFoundError:
        return summarize(session_id, [])
    s = summarize(session_id, read.events)
    s.damage = read.problem
    return s


# ---------------------------------------------------------------------------------------------
# Where sessions live, and which one the user means


def sessions_dir(data_dir: Path) -> Path:
    return data_dir / "sessions"


def session_ids(data_dir: Path) -> list[str]:
    """Every session folder, oldest first (folders are named by their start time); a name that is
    not text (bytes that are not UTF-8) is no folder of ours."""
    try:
        return sorted(p.name for p in sessions_dir(data_dir).iterdir() if p.is_dir() and is_unicode(p.name))
    except FileNotFoundError:
        return []
    except OSError as e:
        raise UserError(f"cannot read the sessions folder {sessions_dir(data_dir)}: {e.strerror}") from None


def find_session(data_dir: Path, wanted: str | None) -> str:
    """The session the user means: its ID, the start of its ID, "last", or None for the last."""
    ids = session_ids(data_dir)
    if not ids:
        raise UserError(f"no sessions yet in {data_dir}: run 'voice-coach practice' or 'voice-coach demo'")
    if wanted is None or wanted in ("last", "latest"):
        return _latest(data_dir, ids)
    if not wanted.strip():  # "" would begin every ID
        raise UserError("say which session: 'voice-coach sessions' lists them")
    if wanted in ids:
        return wanted
    matches = [i for i in ids if i.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UserError(f"no session '{wanted}': 'voice-coach sessions' lists them")
    raise UserError(f"'{wanted}' matches {len(matches)} sessions: give more of its ID")


def _latest(data_dir: Path, ids: list[str]) -> str:
    rows = list_sessions(data_dir)
    return rows[-1].id if rows else ids[-1]


# ---------------------------------------------------------------------------------------------
# The index


@dataclass(frozen=True)
class SessionRow:
    """One line of the index: what `voice-coach sessions` and the progress view show."""

    id: str
    started: dt.datetime
    exercise: str
    senders: list[str]
    seconds: float
    rounds: int
    interruptions: int
    mirroring: float | None
    understood: int
    checked: int
    ended: str | None
    talk: dict[str, float]
    damage: str | None = None

    @property
    def minutes(self) -> float:
        return self.seconds / 60.0


def _log_stat(data_dir: Path, session_id: str) -> tuple[int, int]:
    """What tells that a log changed since it was indexed: its ctime (a write or a chmod changes
    it) and size; of the link itself when it is one (links are not followed)."""
    try:
        st = (sessions_dir(data_dir) / session_id / EVENTS_FILE).lstat()
    except OSError:
        return (0, -1)
    return (st.st_ctime_ns, st.st_size)


def _insert(db: sqlite3.Connection, s: Session, stat: tuple[int, int]) -> None:
    db.execute("DELETE FROM sessions WHERE id = ?", (s.id,))
    db.execute(
        "INSERT INTO sessions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (s.id, s.started.isoformat(timespec="seconds"), s.exercise, s.sender, s.receiver,
         json.dumps(s.senders), s.seconds, len(s.rounds), s.interruptions, s.mirroring,
         s.understood, s.checked, s.ended, int(s.has_text), s.damage, stat[0], stat[1]),
    )
    db.executemany(
        "INSERT OR REPLACE INTO turns VALUES (?,?,?,?,?,?,?,?)",
        [(s.id, t.turn, t.speaker, t.step, t.start, t.end, t.pause, t.words) for t in s.turns],
    )
    metrics: list[tuple[str, str, float]] = [(who, "talk_seconds", secs) for who, secs in s.talk().items()]
    for who in s.partners:
        paces = [w for t in s.turns if t.speaker == who and t.step == Step.SHARE.value and (w := t.wpm)]
        if paces:
            metrics.append((who, "share_wpm", sum(paces) / len(paces)))
    pauses = [t.pause for t in s.turns if t.step == Step.MIRROR.value and t.pause is not None]
    if pauses:
        metrics.append(("", "pause_before_mirror", sum(pauses) / len(pauses)))
    db.executemany(
        "INSERT OR REPLACE INTO metrics VALUES (?,?,?,?)", [(s.id, n, who, v) for who, n, v in metrics]
    )


def _new_db(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path)
    db.execute("PRAGMA secure_delete = ON")
    db.execute("PRAGMA foreign_keys = ON")
    return db


def _build(db: sqlite3.Connection, data_dir: Path) -> None:
    with db:
        db.executescript(_SCHEMA)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        for sid in session_ids(data_dir):
            stat = _log_stat(data_dir, sid)
            _insert(db, load_session(data_dir, sid), stat)


def _usable(db: sqlite3.Connection) -> bool:
    """The index is of this schema and not damaged."""
    try:
        if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
            return False
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            return False
        db.execute("SELECT id, damage, log_ctime_ns, log_size FROM sessions LIMIT 1").fetchall()
        return True
    except sqlite3.DatabaseError:
        return False


def _remove_index(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _rebuild_file(data_dir: Path, path: Path) -> None:
    """Build a fresh index beside the old one, then put it in its place in one step."""
    tmp = path.with_name(f"{path.name}.new-{os.getpid()}")
    _remove_index(tmp)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        db = _new_db(str(tmp))
        try:
            _build(db, data_dir)
        finally:
            db.close()
        os.replace(tmp, path)
    finally:
        _remove_index(tmp)
    _remove_index(path.with_name(path.name + "-journal"))  # belonged to the old file


def _update(db: sqlite3.Connection, data_dir: Path) -> None:
    """Re-read the logs that changed since they were indexed; drop the rows of forgotten ones."""
    on_disk = {sid: _log_stat(data_dir, sid) for sid in session_ids(data_dir)}
    indexed = {r[0]: (r[1], r[2]) for r in db.execute("SELECT id, log_ctime_ns, log_size FROM sessions")}
    gone = [sid for sid in indexed if sid not in on_disk]
    stale = [sid for sid, stat in on_disk.items() if indexed.get(sid) != stat]
    if not gone and not stale:
        return
    with db:
        db.executemany("DELETE FROM sessions WHERE id = ?", [(sid,) for sid in gone])
        for sid in stale:
            _insert(db, load_session(data_dir, sid), on_disk[sid])


def index_path(data_dir: Path) -> Path:
    return data_dir / INDEX_FILE


def open_index(data_dir: Path) -> sqlite3.Connection:
    """The index, up to date with the logs: rebuilt if missing, old or damaged; in memory when
    the data folder cannot be written or holds no sessions yet."""
    path = index_path(data_dir)
    if not sessions_dir(data_dir).is_dir():
        db = _new_db(":memory:")
        _build(db, data_dir)
        return db
    try:
        if path.exists():
            db = _new_db(str(path))
            if _usable(db):
                try:
                    _update(db, data_dir)
                    path.chmod(0o600)
                    return db
                except sqlite3.DatabaseError:
                    pass  # damaged beyond what quick_check saw
            db.close()
        _rebuild_file(data_dir, path)
        db = _new_db(str(path))
        if _usable(db):
            return db
        db.close()
    except (OSError, sqlite3.DatabaseError):
        pass
    db = _new_db(":memory:")
    _build(db, data_dir)
    return db


@contextlib.contextmanager
def index(data_dir: Path) -> Iterator[sqlite3.Connection]:
    db = open_index(data_dir)
    try:
        yield db
    finally:
        db.close()


def list_sessions(data_dir: Path) -> list[SessionRow]:
    """Every session in the index, oldest first."""
    with index(data_dir) as db:
        talk: dict[str, dict[str, float]] = {}
        query = "SELECT session, who, value FROM metrics WHERE name = 'talk_seconds'"
        for sid, who, value in db.execute(query):
            talk.setdefault(sid, {})[who] = value
        rows = db.execute(
            "SELECT id, started, exercise, senders, seconds, rounds, interruptions, mirroring, "
            "understood, checked, ended, damage FROM sessions ORDER BY started, id"
        ).fetchall()
    return [
        SessionRow(
            r[0], dt.datetime.fromisoformat(r[1]), r[2], json.loads(r[3]), r[4], r[5], r[6], r[7], r[8],
            r[9], r[10], talk.get(r[0], {}), r[11],
        )
        for r in rows
    ]
