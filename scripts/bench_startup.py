"""Startup benchmark (issue 12, item 5): from launching `voice-coach practice` to the coach's first
sound. Prints a table; asserts nothing.

  .venv/bin/python scripts/bench_startup.py [--runs 5] [--mode file|room|both]

Each run launches the real command (the venv's `voice-coach` script) as a new process, with
VOICE_COACH_MARK_FIRST_SOUND=1: the player then prints time.monotonic() when the first cue's audio
reaches the output (one clock for all processes on Linux). Startup = that time - time.monotonic()
just before the process was launched, so Python's own start and every import count.

- file: `--input-file` on 20 s of silence; the first cue reaches the TimelinePlayer, which is
  where the loop hands a cue to the output when it reads a recording.
- room: the virtual room of the tests (a private PulseAudio server, tests/virtual_room.py): a real
  PortAudio microphone and speaker; the first sound is the first sample the output stream's
  callback hands to the device. The session is then stopped with SIGINT.

Cold: an empty data folder (first use: the safety note; nothing cached). Warm: a couple who have
acknowledged the note, whose earlier session left the cue cache (the welcome, then the
appointment).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

from voice_coach.speaking.player import FIRST_SOUND, MARK_ENV  # noqa: E402

VOICE_COACH = str(Path(sys.executable).with_name("voice-coach"))


def launch(data: Path, silence: Path | None, env: dict[str, str], linger: float = 0.0) -> float:
    """Seconds from launch to the first sound of one `voice-coach practice`; live, the session
    is stopped `linger` seconds after it (an earlier session that leaves its opening cues cached
    must run until they are rendered whole: on first use the first sentence sounds before the
    rest is rendered)."""
    cmd = [VOICE_COACH, "practice", "--data-dir", str(data)]
    if silence is not None:
        cmd += ["--input-file", str(silence)]
    t0 = time.monotonic()
    proc = subprocess.Popen(
        cmd, env={**env, MARK_ENV: "1"}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    assert proc.stderr is not None
    heard: float | None = None
    for line in proc.stderr:
        if line.startswith(FIRST_SOUND):
            heard = float(line.split()[-1]) - t0
            if silence is None:
                time.sleep(linger)
                proc.send_signal(signal.SIGINT)  # live: nobody will answer; end it cleanly
            break
    rest = proc.communicate(timeout=120)[1]
    if heard is None:
        raise SystemExit(f"no first sound (exit {proc.returncode}): {rest[-2000:]}")
    return heard


def acknowledged(folder: Path) -> Path:
    folder.mkdir(mode=0o700)
    (folder / "first-use-acknowledged.json").write_text('{"acknowledged": "bench"}\n')
    return folder


def measure(runs: int, silence: Path | None, env: dict[str, str], tmp: Path) -> dict[str, list[float]]:
    cold = [launch(tmp / f"cold-{i}", silence, env) for i in range(runs)]
    warm_dir = acknowledged(tmp / "warm")
    launch(warm_dir, silence, env, linger=10.0)  # the earlier session that leaves the cache (not counted)
    time.sleep(1.0)
    warm = [launch(warm_dir, silence, env) for _ in range(runs)]
    return {"cold": cold, "warm": warm}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--mode", choices=("file", "room", "both"), default="both")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="vc-bench-startup-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOICE_COACH")}
    results: dict[str, dict[str, list[float]]] = {}
    if args.mode in ("file", "both"):
        silence = tmp / "silence.wav"
        sf.write(str(silence), np.zeros(20 * 16000, dtype=np.int16), 16000, subtype="PCM_16")
        (tmp / "file").mkdir()
        results["file (--input-file)"] = measure(args.runs, silence, env, tmp / "file")
    if args.mode in ("room", "both"):
        from virtual_room import VirtualRoom, available

        why = available()
        if why:
            print(f"room: skipped ({why})")
        else:
            (tmp / "room").mkdir()
            with VirtualRoom() as room:
                results["room (PortAudio)"] = measure(args.runs, None, room.env, tmp / "room")
    print(f"\nLaunch to first sound, {args.runs} runs each, {os.cpu_count()} CPUs (seconds)")
    print(f"{'path':22s} {'cache':6s} {'median':>7s} {'max':>7s}   runs")
    for path, by in results.items():
        for kind, xs in by.items():
            runs = " ".join(f"{x:.2f}" for x in xs)
            print(f"{path:22s} {kind:6s} {statistics.median(xs):7.2f} {max(xs):7.2f}   {runs}")


if __name__ == "__main__":
    main()
