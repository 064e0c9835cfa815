"""Nothing leaves the device and nothing is written outside the data folder.

The run itself is `offline_demo.py`'s: a fresh user's demo, `sessions` and `report` under a
guard that refuses and records every network attempt and records every write.
"""

from __future__ import annotations

import sys
from pathlib import Path

from offline_demo import OfflineDemo, run_guarded, sandbox

from voice_coach.records.session_log import read_events


def _files_under(folder: Path) -> list[Path]:
    return list(folder.rglob("*"))


def test_the_guard_refuses_sockets_and_records_writes(tmp_path: Path):
    """The guard works: a connection attempt fails and is logged, and a write is logged."""
    env, dirs = sandbox(tmp_path)
    code = (
        "import socket\n"
        f"open({str(dirs['tmp'] / 'x.txt')!r}, 'w').close()\n"
        "socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
    )
    r = run_guarded([sys.executable, "-c", code], env, dirs["cwd"], offline=False)
    assert r.returncode != 0 and "refused by the privacy test" in r.stderr
    net = (tmp_path / "net.log").read_text()
    assert "guard installed" in net and "socket." in net
    assert f"open {dirs['tmp'] / 'x.txt'}" in (tmp_path / "writes.log").read_text()


def test_demo_and_looking_back_run_offline_and_write_only_the_data_folder(offline_demo: OfflineDemo):
    run = offline_demo
    for r in (run.demo, run.sessions, run.report):
        assert r.returncode == 0, (r.args, r.stdout[-2000:], r.stderr[-2000:])

    (log,) = list((run.data / "sessions").glob("*/events.jsonl"))
    events = read_events(log)
    assert events[-1]["type"] == "session_end" and any(e["type"] == "transcript" for e in events)
    assert events[0]["coach_voice"] == "en_US-joe-medium"  # the neural voice, loaded offline
    assert "espeak-ng" not in run.demo.stderr  # no fallback line
    assert log.name in run.demo.stdout
    assert list((run.data / "reports").glob("*.html"))
    assert list(log.parent.glob("audio/turn-*.wav"))  # the kept audio, checked below with the rest

    net = run.net_log.read_text().splitlines()
    assert len([line for line in net if line.startswith("guard installed")]) >= 3  # every run was guarded
    assert [line for line in net if not line.startswith("guard installed")] == []  # nothing even tried

    dirs = run.dirs
    allowed = (dirs["data"].resolve(), dirs["tmp"].resolve(), dirs["run"].resolve(), Path("/dev"))
    writes = run.write_log.read_text().splitlines()
    assert any(str(dirs["data"]) in w for w in writes)  # the guard did see the session being written
    outside = [w for w in writes if not any(Path(w.split(" ", 1)[1]).resolve().is_relative_to(a) for a in allowed)]
    assert outside == []
    assert _files_under(dirs["home"]) == [] and _files_under(dirs["cwd"]) == []
