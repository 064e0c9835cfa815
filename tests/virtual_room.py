"""A room without hardware: a private PulseAudio server whose null sinks are the room.

Partners play into the `partners` sink (left channel of `tap`), the app's speaker is the
`coach` sink (right channel of `tap`), and the app's microphone is `tap.monitor`, so it hears
both, like a real room in which the coach's voice leaks back. One stereo recording of
`tap.monitor` holds partners and coach on separate channels, sample-aligned, for measuring.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

RATE = 16000
BLOCK = 320  # 20 ms analysis blocks
DEVICES = """
load-module module-null-sink sink_name=tap channels=2 rate=16000 sink_properties=device.description=tap
load-module module-remap-sink sink_name=partners master=tap channels=1 master_channel_map=front-left channel_map=mono remix=no
load-module module-remap-sink sink_name=coach master=tap channels=1 master_channel_map=front-right channel_map=mono remix=no
set-default-sink coach
set-default-source tap.monitor
"""
CONFIG = "load-module module-native-protocol-unix socket={sock} auth-anonymous=1" + DEVICES


def available() -> str | None:
    """None when the room can be built here, else why not."""
    for tool in ("pulseaudio", "paplay", "parec", "pactl"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/setup.sh --test installs it)"
    return None


@dataclass(frozen=True)
class Segment:
    start: float
    end: float


def segments(x: np.ndarray, threshold: float = 200.0, min_gap: float = 0.25) -> list[Segment]:
    """Where a channel is loud, joined across gaps shorter than `min_gap`."""
    n = len(x) // BLOCK
    rms = np.sqrt((x[: n * BLOCK].astype(np.float64).reshape(n, BLOCK) ** 2).mean(axis=1))
    out: list[Segment] = []
    for i in np.flatnonzero(rms > threshold):
        t = i * BLOCK / RATE
        if out and t - out[-1].end <= min_gap:
            out[-1] = Segment(out[-1].start, t + BLOCK / RATE)
        else:
            out.append(Segment(t, t + BLOCK / RATE))
    return out


class VirtualRoom:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="vc-room-"))
        self.env = {
            **os.environ,
            "PULSE_SERVER": f"unix:{self.dir / 'native'}",
            "PULSE_RUNTIME_PATH": str(self.dir / "runtime"),
            "PULSE_STATE_PATH": str(self.dir / "state"),
        }
        self._server: subprocess.Popen | None = None
        self._rec: subprocess.Popen | None = None
        self._buf = bytearray()
        self._lock = threading.Lock()

    def __enter__(self) -> VirtualRoom:
        (self.dir / "default.pa").write_text(CONFIG.format(sock=self.dir / "native"))
        self._server = subprocess.Popen(
            ["pulseaudio", "-n", "-F", str(self.dir / "default.pa"), "--daemonize=no",
             "--exit-idle-time=-1", "--disallow-exit=false", "--use-pid-file=false", "--log-target=stderr"],
            env=self.env, stdout=subprocess.DEVNULL, stderr=open(self.dir / "server.log", "wb"),
        )
        deadline = time.monotonic() + 15
        while subprocess.run(["pactl", "info"], env=self.env, capture_output=True).returncode != 0:
            if time.monotonic() > deadline or self._server.poll() is not None:
                log = (self.dir / "server.log").read_text(errors="replace")[-2000:]
                self.__exit__()
                raise RuntimeError(f"the virtual room's PulseAudio did not start:\n{log}")
            time.sleep(0.1)
        self._record()
        return self

    def _record(self) -> None:
        """Record the room from here on, after whatever was recorded before."""
        start = self.now()
        self._rec = subprocess.Popen(
            ["parec", "--device=tap.monitor", "--channels=2", f"--rate={RATE}", "--format=s16le",
             "--latency-msec=10", "--raw"],
            env=self.env, stdout=subprocess.PIPE,
        )
        threading.Thread(target=self._pump, daemon=True).start()
        while self.now() == start:
            time.sleep(0.01)

    def _pump(self) -> None:
        assert self._rec is not None and self._rec.stdout is not None
        while chunk := self._rec.stdout.read1(4096):  # type: ignore[attr-defined]
            with self._lock:
                self._buf.extend(chunk)

    def __exit__(self, *exc: object) -> None:
        for proc in (self._rec, self._server):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def unplug(self) -> None:
        """The room's sound card is pulled out: its sinks, and with them the microphone, are gone
        (the recording of the room pauses until it is plugged in again)."""
        listed = subprocess.run(["pactl", "list", "short", "modules"], env=self.env, capture_output=True,
                                text=True, check=True).stdout.splitlines()
        ours = [line.split("\t") for line in listed if "sink_name=" in line]
        for index, _ in sorted(((int(m[0]), m[1]) for m in ours), reverse=True):  # remaps first
            subprocess.run(["pactl", "unload-module", str(index)], env=self.env, check=True)

    def plug_in(self) -> None:
        """The sound card is back, as it was, and the room is recorded again."""
        for line in DEVICES.strip().splitlines():
            subprocess.run(["pactl", *line.split()], env=self.env, check=True, capture_output=True)
        if self._rec is not None:
            self._rec.wait(timeout=5)  # it ended with the card
        self._record()

    def recording(self) -> np.ndarray:
        """Everything heard so far: (n, 2) int16, column 0 partners, column 1 coach."""
        with self._lock:
            data = bytes(self._buf[: len(self._buf) // 4 * 4])
        return np.frombuffer(data, dtype=np.int16).reshape(-1, 2)

    def now(self) -> float:
        with self._lock:
            return len(self._buf) / 4 / RATE

    def play(self, wav: Path, yield_to_coach: bool = False) -> None:
        """A partner speaks: play a recording into the room and wait until it is done. With
        `yield_to_coach` the partner falls silent as soon as the coach starts talking."""
        since = self.now()
        proc = subprocess.Popen(["paplay", "--device=partners", "--latency-msec=20", str(wav)], env=self.env)
        while proc.poll() is None:
            if yield_to_coach and self.coach_started(since):
                proc.terminate()
                proc.wait()
                return
            time.sleep(0.02)
        assert proc.returncode == 0, "paplay failed"

    def coach_started(self, since: float) -> bool:
        """Has the coach started speaking after `since`?"""
        return any(s.start >= since for s in segments(self.recording()[:, 1]))

    def wait_for_coach_to_start(self, since: float, timeout: float = 30.0) -> bool:
        """Wait until the coach starts speaking after `since`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.coach_started(since):
                return True
            time.sleep(0.02)
        return False

    def wait_for_coach(self, since: float, quiet: float = 0.8, timeout: float = 30.0) -> bool:
        """Wait until the coach has spoken after `since` and then been quiet for `quiet` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rec = self.recording()
            coach = [s for s in segments(rec[:, 1]) if s.start >= since]
            if coach and self.now() - coach[-1].end >= quiet:
                return True
            time.sleep(0.05)
        return False
