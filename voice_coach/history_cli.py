"""Looking back: `voice-coach sessions`, `voice-coach report` and `voice-coach forget`.

These read the session logs in the data folder (through the index in store.py); they need no
audio device and no speech model, and import neither.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path
from typing import Any

from .errors import UserError
from .records.session_log import default_data_dir
from .settings import load_settings

COMMANDS = ("sessions", "report", "forget")
# Speech models and caches: nothing personal, except the cue cache (the coach saying the partners'
# names), which goes too (see `_ours`).
KEEP_ON_FORGET_ALL = ("models", "cache")


def _data_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", type=Path, help="a TOML settings file")
    p.add_argument("--data-dir", dest="data_dir", help="where sessions are kept")


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("sessions", help="list past sessions")
    _data_flags(p)

    p = sub.add_parser("report", help="write a page about a session and your progress (HTML, offline)")
    p.add_argument("session", nargs="?", help="a session ID from 'voice-coach sessions' (default: the last)")
    p.add_argument("--out", type=Path, help="where to write it (default: the data folder's reports folder)")
    p.add_argument("--open", action="store_true", help="open it in your web browser")
    _data_flags(p)

    p = sub.add_parser("forget", help="delete a stored session, the kept voices (--voices), "
                                      "or everything (--all)")
    p.add_argument("session", nargs="?", help="a session ID from 'voice-coach sessions'")
    p.add_argument("--voices", action="store_true",
                   help="delete the partners' kept voices (and their choice: the next session asks again)")
    p.add_argument("--all", action="store_true", help="delete every session, report, keepsake and kept voice")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask for confirmation")
    _data_flags(p)


def dispatch(args: argparse.Namespace) -> bool:
    """Run the command if it is one of these; False when it is not."""
    if args.command not in COMMANDS:
        return False
    settings = load_settings(args.config, {"data_dir": args.data_dir})
    data = Path(settings.data_dir).expanduser() if settings.data_dir else default_data_dir()
    if args.command == "sessions":
        print_sessions(data)
    elif args.command == "report":
        _report(data, args.session, args.out, args.open)
    elif args.voices:
        if args.session is not None or args.all:
            raise UserError("--voices deletes the kept voices alone: give no session and no --all with it")
        _forget_voices(data)
    else:
        _forget(data, args.session, args.all, args.yes)
    return True


def _forget_voices(data: Path) -> None:
    from .records.voice_store import VoiceStore

    store = VoiceStore(data)
    try:
        had = store.forget()
    except OSError as e:
        raise UserError(f"cannot delete {store.path}: {e.strerror}") from None
    print("Forgot the partners' kept voices." if had else f"No voices are kept in {data}.")


def _score(x: float | None) -> str:
    return "–" if x is None else f"{round(100 * x)}%"


def print_sessions(data: Path) -> None:
    from .records.store import list_sessions

    rows = list_sessions(data)
    if not rows:
        print(f"No sessions yet in {data}. Try 'voice-coach demo' or 'voice-coach practice'.")
        return
    table = [("ID", "Date", "Exercise", "Who sent", "Minutes", "Rounds", "Interruptions", "Mirroring")]
    for r in rows:
        table.append((
            r.id + ("" if r.ended else " *") + (" !" if r.damage else ""), f"{r.started:%a %d %b %Y %H:%M}",
            r.exercise,
            ", ".join(r.senders) or "–", f"{r.minutes:.1f}", str(r.rounds), str(r.interruptions),
            _score(r.mirroring),
        ))
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    notes = ["Mirroring: how much of the sender's words came back in the mirror (– when not measured)."]
    if any(not r.ended for r in rows):
        notes.append("* stopped unexpectedly; what was said until then is kept.")
    notes += [f"! {r.id}: {r.damage}." for r in rows if r.damage]
    notes.append("'voice-coach report ID' shows one in detail; 'voice-coach forget ID' deletes it.")
    print("\n" + "\n".join(notes))


def _report(data: Path, wanted: str | None, out: Path | None, open_it: bool) -> None:
    from .records.report import write_report
    from .records.store import find_session

    session = find_session(data, wanted)
    path = write_report(data, session, out.expanduser() if out else None)
    print(f"Wrote the report of session {session} to {path}")
    print("It holds your own words: it is readable by you alone; delete it when you are done.")
    if open_it:
        import webbrowser

        if not webbrowser.open(path.resolve().as_uri()):
            raise UserError(f"could not open a web browser; open {path} yourself")


def _confirm(question: str, yes: bool) -> bool:
    if yes:
        return True
    print(question + " [y/N] ", end="", flush=True)
    try:
        answer = sys.stdin.readline()
    except KeyboardInterrupt:
        answer = ""
    if not answer:
        print()
    return answer.strip().lower() in ("y", "yes")


def _forget(data: Path, wanted: str | None, everything: bool, yes: bool) -> None:
    from .records.store import find_session, index_path, list_sessions, open_index, session_ids, sessions_dir

    if everything == (wanted is not None):
        raise UserError("say which session to forget (see 'voice-coach sessions'), or --all for every one")
    if everything:
        if not data.is_dir():
            print(f"Nothing is stored in {data}.")
            return
        count = len(session_ids(data))
        doomed = _ours(data)
        others = [p for p in data.iterdir() if p not in doomed and p.name not in KEEP_ON_FORGET_ALL]
        if others:
            print(f"{len(others)} other file(s) in {data} are not voice-coach's and stay untouched.")
        if not doomed:
            print(f"Nothing is stored in {data}.")
            return
        question = (
            f"Forget all {count} session(s) in {data}: their words, timings, any audio, the reports, "
            "keepsakes, kept voices and the coach's saved cues? (Speech models stay.) This cannot be undone."
        )
        if not _confirm(question, yes):
            print("Nothing was deleted.")
            return
        for p in doomed:
            _delete(p)
        print(f"Forgot everything in {data} ({count} session(s)).")
        return
    session = find_session(data, wanted)
    row = next((r for r in list_sessions(data) if r.id == session), None)
    about = f" ({row.exercise}, {row.started:%a %d %b %Y %H:%M}, {row.minutes:.0f} min)" if row else ""
    question = f"Forget session {session}{about}: its words, timings and any audio? This cannot be undone."
    if not _confirm(question, yes):
        print("Nothing was deleted.")
        return
    _delete(sessions_dir(data) / session)
    reports = data / "reports"
    had_reports = reports.is_dir()
    if had_reports:  # every saved report shows every session in its progress view
        _delete(reports)
    if index_path(data).exists():
        open_index(data).close()  # drops the session's rows, overwriting them
    print(f"Forgot session {session}.")
    if had_reports:
        print("The saved reports were deleted too; 'voice-coach report' makes new ones.")


def _ours(data: Path) -> list[Path]:
    """What voice-coach itself writes in a data folder, and so all that `forget --all` may delete:
    a mistyped --data-dir (a home folder) loses nothing else."""
    from .records.keepsakes import ACK_FILE, REQUESTS_FILE
    from .records.report import reports_dir
    from .records.store import INDEX_FILE, sessions_dir
    from .records.voice_store import VOICES_FILE
    from .speaking.cue_cache import cue_cache_dir

    index = [data / (INDEX_FILE + end) for end in ("", "-journal", "-wal", "-shm")]
    names = [sessions_dir(data), reports_dir(data), *index, data / ACK_FILE, data / REQUESTS_FILE,
             cue_cache_dir(data), data / VOICES_FILE]
    return [p for p in names if p.exists() or p.is_symlink()]


def _delete(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    except OSError as e:
        raise UserError(f"cannot delete {path}: {e.strerror}") from None
