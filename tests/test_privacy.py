"""Nothing leaves the device and nothing is written outside the data folder.

The demo, then `sessions` and `report`, run in a child Python whose every attempt to make a
socket, connect or look up a name is refused and recorded (an audit hook installed by a
sitecustomize.py), inside a network namespace with no interfaces when `unshare -n` works here.
The same hook records every file the child opens for writing and every folder it makes, renames
or removes; HOME, the working folder and the temporary folder are fresh, empty folders.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from voice_coach.records.session_log import read_events

GUARD = r'''
import os, sys

_net = open(os.environ["VC_TEST_NET_LOG"], "a", buffering=1)
_writes = open(os.environ["VC_TEST_WRITE_LOG"], "a", buffering=1)
_net.write(f"guard installed in {os.getpid()}\n")

_NET = {"socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname",
        "socket.gethostbyname_ex", "socket.gethostbyaddr", "socket.sendto", "socket.sendmsg"}
_PATHS = {"os.mkdir", "os.rename", "os.replace", "os.remove", "os.rmdir", "os.symlink", "os.link",
          "os.truncate", "os.chmod", "shutil.rmtree", "shutil.copyfile", "shutil.move"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _guard(event, args):
    if event in _NET:
        _net.write(f"{event} {args!r}\n")
        raise OSError("network access refused by the privacy test")
    if event == "open":
        path, mode, flags = args
        if isinstance(path, int) or path is None:
            return
        writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
            isinstance(flags, int) and flags & _WRITE_FLAGS)
        if writing:
            _writes.write(f"open {os.path.abspath(os.fsdecode(path))}\n")
    elif event in _PATHS and args and isinstance(args[0], (str, bytes, os.PathLike)):
        targets = [args[0]] + [a for a in args[1:2] if isinstance(a, (str, bytes, os.PathLike))]
        for t in targets:
            _writes.write(f"{event} {os.path.abspath(os.fsdecode(t))}\n")


sys.addaudithook(_guard)
'''


def _unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


def _sandbox(tmp: Path) -> tuple[dict[str, str], dict[str, Path]]:
    dirs = {name: tmp / name for name in ("home", "data", "tmp", "cwd", "guard", "run")}
    for p in dirs.values():
        p.mkdir(mode=0o700)
    (dirs["guard"] / "sitecustomize.py").write_text(GUARD)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "MPL", "VOICE_COACH"))}
    env.update(
        HOME=str(dirs["home"]), TMPDIR=str(dirs["tmp"]), PYTHONPATH=str(dirs["guard"]),
        # As in any login session: without it, PortAudio's sound-server client (libpulse) keeps a
        # link to its runtime folder in ~/.config/pulse.
        XDG_RUNTIME_DIR=str(dirs["run"]),
        VC_TEST_NET_LOG=str(tmp / "net.log"), VC_TEST_WRITE_LOG=str(tmp / "writes.log"),
        http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
    )
    return env, dirs


def _run(args: list[str], env: dict[str, str], cwd: Path, offline: bool) -> subprocess.CompletedProcess:
    cmd = (["unshare", "-n"] if offline else []) + args
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def _files_under(folder: Path) -> list[Path]:
    return list(folder.rglob("*"))


def test_the_guard_refuses_sockets_and_records_writes(tmp_path: Path):
    """The guard works: a connection attempt fails and is logged, and a write is logged."""
    env, dirs = _sandbox(tmp_path)
    code = (
        "import socket\n"
        f"open({str(dirs['tmp'] / 'x.txt')!r}, 'w').close()\n"
        "socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
    )
    r = _run([sys.executable, "-c", code], env, dirs["cwd"], offline=False)
    assert r.returncode != 0 and "refused by the privacy test" in r.stderr
    net = (tmp_path / "net.log").read_text()
    assert "guard installed" in net and "socket." in net
    assert f"open {dirs['tmp'] / 'x.txt'}" in (tmp_path / "writes.log").read_text()


def test_demo_and_looking_back_run_offline_and_write_only_the_data_folder(tmp_path: Path):
    env, dirs = _sandbox(tmp_path)
    offline = _unshare_works()
    vc = [sys.executable, "-m", "voice_coach"]
    data = str(dirs["data"])
    runs = [
        # the mirroring round: a whole session, shorter than the dialogue's (test_cli runs that one)
        _run([*vc, "demo", "--fast", "--exercise", "mirroring", "--data-dir", data], env, dirs["cwd"], offline),
        _run([*vc, "sessions", "--data-dir", data], env, dirs["cwd"], offline),
        _run([*vc, "report", "--data-dir", data], env, dirs["cwd"], offline),
    ]
    for r in runs:
        assert r.returncode == 0, (r.args, r.stdout[-2000:], r.stderr[-2000:])

    (log,) = list((dirs["data"] / "sessions").glob("*/events.jsonl"))
    events = read_events(log)
    assert events[-1]["type"] == "session_end" and any(e["type"] == "transcript" for e in events)
    assert events[0]["coach_voice"] == "en_US-joe-medium"  # the neural voice, loaded offline
    assert "espeak-ng" not in runs[0].stderr  # no fallback line
    assert log.name in runs[0].stdout
    assert list((dirs["data"] / "reports").glob("*.html"))

    net = (tmp_path / "net.log").read_text().splitlines()
    assert len([line for line in net if line.startswith("guard installed")]) >= 3  # every run was guarded
    assert [line for line in net if not line.startswith("guard installed")] == []  # nothing even tried

    allowed = (dirs["data"].resolve(), dirs["tmp"].resolve(), dirs["run"].resolve(), Path("/dev"))
    writes = (tmp_path / "writes.log").read_text().splitlines()
    assert any(str(dirs["data"]) in w for w in writes)  # the guard did see the session being written
    outside = [w for w in writes if not any(Path(w.split(" ", 1)[1]).resolve().is_relative_to(a) for a in allowed)]
    assert outside == []
    assert _files_under(dirs["home"]) == [] and _files_under(dirs["cwd"]) == []
