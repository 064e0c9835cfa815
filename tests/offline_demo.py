"""A fresh user's offline demo, run once for the whole test run and looked at by several tests.

The demo (the mirroring round, keeping its audio and no words), then `sessions` and `report`,
run in a child Python whose every attempt to make a socket, connect or look up a name is
refused and recorded (an audit hook installed by a sitecustomize.py), inside a network namespace
with no interfaces when `unshare -n` works here. The same hook records every file the child
opens for writing and every folder it makes, renames or removes; HOME, the working folder and
the temporary folder are fresh, empty folders, and there is no shared cue cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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


def unshare_works() -> bool:
    if not shutil.which("unshare"):
        return False
    return subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0


def sandbox(tmp: Path) -> tuple[dict[str, str], dict[str, Path]]:
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


def run_guarded(args: list[str], env: dict[str, str], cwd: Path, offline: bool) -> subprocess.CompletedProcess:
    cmd = (["unshare", "-n"] if offline else []) + args
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


@dataclass(frozen=True)
class OfflineDemo:
    demo: subprocess.CompletedProcess
    sessions: subprocess.CompletedProcess
    report: subprocess.CompletedProcess
    dirs: dict[str, Path]
    net_log: Path
    write_log: Path

    @property
    def data(self) -> Path:
        return self.dirs["data"]


def run_offline_demo(tmp: Path) -> OfflineDemo:
    env, dirs = sandbox(tmp)
    offline = unshare_works()
    vc = [sys.executable, "-m", "voice_coach"]
    data = str(dirs["data"])
    # The mirroring round: a whole session, shorter than the dialogue's (test_cli runs that one).
    # Audio kept and words left out, so that the kept audio too is seen to stay in the data folder.
    demo = [*vc, "demo", "--fast", "--exercise", "mirroring", "--no-transcripts", "--keep-audio"]
    runs = [run_guarded([*cmd, "--data-dir", data], env, dirs["cwd"], offline)
            for cmd in (demo, [*vc, "sessions"], [*vc, "report"])]
    return OfflineDemo(*runs, dirs=dirs, net_log=tmp / "net.log", write_log=tmp / "writes.log")
