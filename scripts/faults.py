#!/usr/bin/env python
# ruff: noqa: E501  (the cases read as a table, one to a line)
"""Faults and bad inputs (issue 15, "Figures: the table of faults"): each is tried on the real
command, as a child process, and the table says what came of it. Prints figures; asserts nothing
(the tests in tests/ pin each behaviour; this is the one table of them all).

    .venv/bin/python scripts/faults.py            # about 3 minutes on 2 cores

For every case: the exit code, whether stderr was one clear line (no traceback), and the check
that says nothing was lost or destroyed (the unrelated files still there, the real session still
listed, no log left without its end...). A data folder holding one real session (the mirroring
demo, run once) is copied for each case that needs one. The microphone that goes away is tried
in the virtual room by tests/test_live_interruptions.py (it needs the PulseAudio server of the
tests); the full disk by tests/test_durability.py (a log linked to /dev/full).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEECH = ROOT.parent / "shared" / "data" / "speech" / "two-speakers-harvard" / "spk1_snt1.wav"
VC = [sys.executable, "-m", "voice_coach"]
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


@dataclass
class Outcome:
    code: int
    err: str


@dataclass
class Case:
    group: str
    what: str
    run: Callable[[Path], Outcome]
    kept: Callable[[Path], str]  # "" when all is well, else what went wrong
    expect: str = "error"  # "error": a non-zero exit; "ok": exit 0; a number: that exit code


def vc(*args: str, data: Path | None = None, timeout: float = 120, stdin: str | None = None,
       env: dict[str, str] | None = None) -> Outcome:
    extra = ["--data-dir", str(data)] if data is not None else []
    try:
        r = subprocess.run([*VC, *args, *extra], capture_output=True, text=True, timeout=timeout,
                           env={**ENV, **(env or {})}, cwd=ROOT, input=stdin)
    except subprocess.TimeoutExpired:
        return Outcome(-1, f"hung: no exit within {timeout:.0f} s")
    return Outcome(r.returncode, r.stderr)


def practice(*args: str, data: Path, wav: Path = SPEECH) -> Outcome:
    return vc("practice", "--input-file", str(wav), *args, data=data)


def signalled(sig: int, data: Path, early: bool = False) -> Outcome:
    """A session on a long recording, stopped by `sig` once its first words are logged (early:
    once its log exists, while the models load)."""
    wav = data.parent / "long.wav"
    _long_wav(wav)
    sys.path.insert(0, str(ROOT))
    from voice_coach.records.keepsakes import Keepsakes

    data.mkdir(parents=True, exist_ok=True)
    Keepsakes(data).acknowledge()  # the couple heard the safety note before: the session goes on
    p = subprocess.Popen([*VC, "practice", "--input-file", str(wav), "--data-dir", str(data)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=ENV, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (_logged(data) if early else _transcribed(data)):
        time.sleep(0.2)
    p.send_signal(sig)
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        return Outcome(-1, "hung after the signal")
    return Outcome(p.returncode, err)


def _transcribed(data: Path) -> bool:
    return any('"type": "transcript"' in f.read_text(errors="replace")
               for f in data.glob("sessions/*/events.jsonl"))


def _logged(data: Path) -> bool:
    return any(data.glob("sessions/*/events.jsonl"))


def _long_wav(path: Path) -> None:
    import numpy as np
    import soundfile as sf

    x, rate = sf.read(str(SPEECH), dtype="int16")
    gap = np.zeros(int(4.0 * rate), dtype=np.int16)  # longer than the longest hold: a turn each
    sf.write(str(path), np.concatenate([x, gap] * 80), rate, subtype="PCM_16")


# -- what must still be there -------------------------------------------------------------------


def logs_closed(data: Path) -> str:
    """Every session log in the folder ends with its session_end."""
    for log in data.glob("sessions/*/events.jsonl"):
        lines = [json.loads(x) for x in log.read_text().splitlines() if x.strip()]
        if not lines or lines[-1].get("type") != "session_end":
            return f"{log.parent.name}: no session_end"
    return ""


def no_session(data: Path) -> str:
    made = list(data.glob("sessions/*/events.jsonl")) if data.is_dir() else []
    return f"{len(made)} session(s) begun anyway" if made else ""


def real_session_listed(data: Path) -> str:
    r = vc("sessions", data=data)
    return "" if r.code == 0 and "mirroring" in _stdout("sessions", data) else f"sessions: exit {r.code}"


def _stdout(cmd: str, data: Path) -> str:
    return subprocess.run([*VC, cmd, "--data-dir", str(data)], capture_output=True, text=True, env=ENV,
                          cwd=ROOT, timeout=60).stdout


def untouched(*names: str) -> Callable[[Path], str]:
    def check(data: Path) -> str:
        gone = [n for n in names if not (data / n).exists()]
        return f"deleted: {', '.join(gone)}" if gone else ""
    return check


def nothing(_: Path) -> str:
    return ""


# -- the cases ----------------------------------------------------------------------------------


def _folder_with_strangers(data: Path) -> Path:
    data.mkdir(parents=True, exist_ok=True)
    (data / "thesis.txt").write_text("not the coach's")
    (data / "photos").mkdir(exist_ok=True)
    (data / "photos" / "a.jpg").write_bytes(b"\xff\xd8")
    return data


def _damage(line: str) -> Callable[[Path], None]:
    def do(data: Path) -> None:
        folder = data / "sessions" / "20260101-000000-damaged"
        folder.mkdir(parents=True)
        (folder / "events.jsonl").write_text(
            '{"type": "session_start", "t": 0.0, "started": "2026-01-01T00:00:00", "exercise": "dialogue"}\n'
            + line + "\n")
    return do


def _file(name: str, content: bytes | None = None, link: str | None = None) -> Callable[[Path], Path]:
    def make(data: Path) -> Path:
        path = data.parent / name
        if link is not None:
            path.symlink_to(link)
        elif content is not None:
            path.write_bytes(content)
        else:
            path.mkdir()
        return path
    return make


def cases() -> list[tuple[Case, Callable[[Path], None] | None, bool]]:
    """(case, how to prepare the data folder, whether it starts from the real session)."""
    wav_header_only = (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x80\x3e\x00\x00"
                       b"\x00\x7d\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00")
    bad_inputs = {
        "an empty file": _file("empty.wav", b""),
        "text named .wav": _file("notes.wav", b"hello, not audio\n" * 100),
        "a folder": _file("folder.wav"),
        "a link to /dev/zero": _file("zero.wav", link="/dev/zero"),
        "a WAV with no samples": _file("silent.wav", wav_header_only),
        "a file that does not exist": lambda d: d.parent / "missing.wav",
    }
    out: list[tuple[Case, Callable[[Path], None] | None, bool]] = []
    for what, make in bad_inputs.items():
        def run(data: Path, make: Callable[[Path], Path] = make) -> Outcome:
            return practice(data=data, wav=make(data))
        out.append((Case("input file", what, run, logs_closed, "error"), None, False))

    out += [
        (Case("forget", "--all on a folder that is not the coach's (files and a subfolder in it)",
              lambda d: vc("forget", "--all", "--yes", data=d), untouched("thesis.txt", "photos/a.jpg"), "any"),
         lambda d: _folder_with_strangers(d) and None, False),
        (Case("forget", "--all on the coach's folder with a stranger's file beside the sessions",
              lambda d: vc("forget", "--all", "--yes", data=d), untouched("thesis.txt", "photos/a.jpg"), "ok"),
         lambda d: _folder_with_strangers(d) and None, True),
        (Case("forget", 'an empty session ID ("")', lambda d: vc("forget", "", "--yes", data=d),
              real_session_listed), None, True),
        (Case("forget", "a session ID that matches nothing", lambda d: vc("forget", "nope", "--yes", data=d),
              real_session_listed), None, True),
    ]

    def data_dir(where: Callable[[Path], Path]) -> Callable[[Path], Outcome]:
        return lambda d: vc("practice", "--input-file", str(SPEECH), "--data-dir", str(where(d)))

    def plain_file(d: Path) -> Path:
        f = d.parent / "a-file"
        f.write_text("x")
        return f

    def read_only(d: Path) -> Path:
        f = d.parent / "read-only"
        f.mkdir()
        f.chmod(0o500)
        return f

    out += [
        (Case("data folder", "under /proc", data_dir(lambda d: Path("/proc/voice-coach")), nothing), None, False),
        (Case("data folder", "a plain file", data_dir(plain_file), nothing), None, False),
        *([] if os.geteuid() == 0 else [  # root writes in a read-only folder: not a fault then
            (Case("data folder", "a read-only folder", data_dir(read_only), nothing), None, False)]),
        (Case("--out", "the input recording itself",
              lambda d: practice("--out", str(SPEECH), data=d), no_session), None, False),
        (Case("--out", "in a folder that does not exist",
              lambda d: practice("--out", "/nonexistent/out.wav", data=d), no_session), None, False),
        (Case("--out", "a format that cannot be written (.mp4)",
              lambda d: practice("--out", str(d.parent / "x.mp4"), data=d), no_session), None, False),
    ]

    damaged = {
        "a time of 1e999": '{"type": "turn_end", "t": 1e999, "turn": 5, "speaker": "Alex", "start": 1, "end": 2}',
        "NaN": '{"type": "cue", "t": NaN, "key": "x", "end": 3}',
        "nesting 10,000 deep": "[" * 10000 + "]" * 10000,
        "a start time with a time zone": '{"type": "session_start", "t": 0, "started": "2026-01-01T00:00:00+05:00"}',
        "binary bytes": "\x00\xff\x01garbage",
    }
    for what, line in damaged.items():
        for cmd in ("sessions", "report"):
            out.append((Case("a damaged log beside a real one", f"{what}: `{cmd}`",
                             lambda d, cmd=cmd: vc(cmd, data=d), real_session_listed, "ok"), _damage(line), True))

    def endless(d: Path) -> None:
        folder = d / "sessions" / "20260101-000000-endless"
        folder.mkdir(parents=True)
        (folder / "events.jsonl").symlink_to("/dev/zero")

    def unreadable(d: Path) -> None:
        folder = d / "sessions" / "20260101-000000-locked"
        folder.mkdir(parents=True)
        (folder / "events.jsonl").write_text('{"type": "session_start", "t": 0}\n')
        (folder / "events.jsonl").chmod(0)

    out += [
        (Case("a damaged log beside a real one", "a log linked to /dev/zero: `sessions`",
              lambda d: vc("sessions", data=d, timeout=60), real_session_listed, "ok"), endless, True),
        (Case("a damaged log beside a real one", "an unreadable log: `sessions`",
              lambda d: vc("sessions", data=d), real_session_listed, "ok"), unreadable, True),
    ]

    def given(flag: str, text: bytes) -> Callable[[Path], Outcome]:
        """A session given a file with `text` as --config or --cues."""
        def run(d: Path) -> Outcome:
            f = d.parent / "given.toml"
            f.write_bytes(text)
            return practice(flag, str(f), data=d)
        return run

    def config(text: bytes) -> Callable[[Path], Outcome]:
        return given("--config", text)

    def cue_file(welcome: str) -> Callable[[Path], Outcome]:
        """The shipped wording with the welcome cue's line replaced."""
        shipped = (ROOT / "voice_coach" / "cues" / "en.toml").read_text(encoding="utf-8")
        lines = [welcome if line.startswith("welcome = ") else line for line in shipped.splitlines()]
        return given("--cues", "\n".join(lines).encode())

    out += [
        (Case("settings", "--flood-minutes nan", lambda d: practice("--flood-minutes", "nan", data=d), no_session),
         None, False),
        (Case("settings", "--end-silence -1", lambda d: practice("--end-silence", "-1", data=d), no_session),
         None, False),
        (Case("settings", "--device-wait inf", lambda d: practice("--device-wait", "inf", data=d), no_session),
         None, False),
        (Case("settings", "min_piece = 0 in --config", config(b"min_piece = 0\n"), no_session), None, False),
        (Case("settings", "preroll = 1000 in --config", config(b"preroll = 1000\n"), no_session), None, False),
        (Case("settings", "binary bytes as --config", config(b"\x00\xff\xfe\x01" * 64), no_session), None, False),
        (Case("settings", "an unknown key in --config", config(b"end_silense = 2\n"), no_session), None, False),
        (Case("settings", "an unbalanced { in --cues", cue_file('welcome = "Hi {sender"'), no_session),
         None, False),
        (Case("settings", "an empty cue text in --cues", cue_file('welcome = ""'), no_session),
         None, False),
        (Case("settings", "an unknown --voice", lambda d: practice("--voice", "nobody", data=d), no_session),
         None, False),
        (Case("settings", "an unknown --model", lambda d: practice("--model", "huge", data=d), no_session),
         None, False),
        (Case("signals", "SIGINT while the models load", lambda d: signalled(signal.SIGINT, d, early=True),
              logs_closed, "130"), None, False),
        (Case("signals", "SIGINT during a session", lambda d: signalled(signal.SIGINT, d), logs_closed, "130"),
         None, False),
        (Case("signals", "SIGTERM during a session", lambda d: signalled(signal.SIGTERM, d), logs_closed, "143"),
         None, False),
        # pip kept off the network (PIP_NO_INDEX): this table must not install anything into the venv
        (Case("models", "`models install small` with no network", lambda d: vc("models", "install", "small",
              "--dest", str(d.parent / "models"), data=d, env={"PIP_NO_INDEX": "1"}), nothing), None, False),
    ]
    return out


def verdict(case: Case, o: Outcome, kept: str) -> tuple[str, str]:
    lines = [x for x in o.err.splitlines() if x.strip()]
    trace = any("Traceback" in x for x in lines)
    clean = not trace and len(lines) <= 1 and o.code >= 0
    if case.expect == "error":
        exit_ok = o.code > 0
    elif case.expect == "ok":
        exit_ok = o.code == 0
    elif case.expect == "any":
        exit_ok = o.code >= 0
    else:
        exit_ok = o.code == int(case.expect)
    good = clean and exit_ok and not kept
    said = lines[-1] if lines else "(nothing on stderr)"
    if trace:
        said = "a traceback: " + said
    return ("as it should" if good else "**NOT**"), said[:150]


def main() -> None:
    if not SPEECH.is_file():
        sys.exit(f"faults.py: {SPEECH} is missing (../shared/data)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="vc-faults-") as tmp:
        real = Path(tmp) / "real"
        r = vc("demo", "--fast", "--exercise", "mirroring", data=real, timeout=300)
        if r.code != 0:
            sys.exit(f"faults.py: the demo did not run (exit {r.code}): {r.err.strip()[-300:]}")
        print("| fault or bad input | exit | stderr: lines, the last | kept | outcome |\n|---|---|---|---|---|")
        tried = bad = 0
        for n, (case, prepare, with_real) in enumerate(cases()):
            base = Path(tmp) / f"case{n}"
            base.mkdir()
            data = base / "data"
            if with_real:
                shutil.copytree(real, data, symlinks=True)
            if prepare is not None:
                prepare(data)
            o = case.run(data)
            kept = case.kept(data) if data.is_dir() or case.kept is nothing else ""
            result, said = verdict(case, o, kept)
            tried += 1
            bad += result != "as it should"
            n = len([x for x in o.err.splitlines() if x.strip()])
            print(f"| {case.group}: {case.what} | {o.code} | {n}: {said.replace('|', '/')} | {kept or 'yes'} | {result} |",
                  flush=True)
            for f in base.rglob("*"):  # let the folder be removed (the read-only and locked cases)
                if not f.is_symlink():
                    f.chmod(0o700)
    print(f"\n{tried} tried, {tried - bad} as they should, {bad} not; {time.monotonic() - started:.0f} s")
    if os.geteuid() == 0:
        print("(run as root, who may write in a read-only folder: that case was left out)")


if __name__ == "__main__":
    main()
