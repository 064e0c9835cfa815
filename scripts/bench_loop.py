"""Benchmarks of the live loop (issue figures; not tests). Prints a table.

  .venv/bin/python scripts/bench_loop.py [--quick]

1. Cue latency: real time in the virtual room (PulseAudio null sinks, a real PortAudio
   stream), >= 20 partner turns. Latency = first sound of the coach's cue - real end of the
   partner's speech - the configured end silence, measured sample-exactly on one stereo
   recording (partners left, coach right), with a plain 1 s end silence (no Smart Turn) so that
   only the loop's own delay is left. Then the same turns with turn-taking as shipped (Silero,
   Smart Turn and the words; docs/benchmarks.md): the whole wait a couple hears.
2. Transcript delay: turns of 5 s, 30 s and 90 s (real recordings joined with breaths shorter
   than the end silence) paced like a microphone through the whole loop; delay = stream time at
   which the final transcript arrives - the moment the turn was decided over.
3. CPU while listening to silence (the virtual room, after the greeting), and the peak resident
   memory of the whole latency session.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

import numpy as np  # noqa: E402
import psutil  # noqa: E402
from recordings import shared_data, write_line  # noqa: E402
from virtual_room import VirtualRoom, segments  # noqa: E402

from voice_coach.records.session_log import read_events  # noqa: E402

ALEX, SAM = "gmw/en-gb-x-rp", "gmw/en+f4"
H = "speech/two-speakers-harvard/"
END_SILENCE = 1.0
# no breath before the mirror prompt either: only the loop's own delay is left
PLAIN = f"smart_turn = false\nend_silence = {END_SILENCE}\nmin_breath = 0.0\n"


def practice(room: VirtualRoom, tmp: Path, config: str) -> subprocess.Popen:
    (tmp / "bench.toml").write_text(config)
    (tmp / "data").mkdir(exist_ok=True)
    (tmp / "data" / "first-use-acknowledged.json").write_text("{}")
    return subprocess.Popen(
        [sys.executable, "-m", "voice_coach", "practice", "--exercise", "mirroring",
         "--config", str(tmp / "bench.toml"), "--data-dir", str(tmp / "data"),
         "--hello", "never"],  # the partners are scripted recordings: the loop's timing alone
        env=room.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )


def latency(rounds: int, turn_taking: str, minus: float) -> tuple[list[float], float, list[str]]:
    """Partner turns in real time: latencies (s) less `minus`, peak RSS (MB), the cue keys."""
    tmp = Path(tempfile.mkdtemp(prefix="vc-bench-"))
    shares = [H + f"spk1_snt{i}.wav" for i in range(1, 7)]
    mirrors = [H + f"spk2_snt{i}.wav" for i in range(1, 7)]
    lines = []
    for r in range(rounds):
        lines += [[shares[r % 6]], [mirrors[r % 6]], [(ALEX, "Yes, you got it.")]]
        lines.append([(ALEX, "Yes, there's more.")] if r < rounds - 1 else [(ALEX, "No, that's all.")])
    lines += [[mirrors[0]], [shares[0]], [(SAM, "Yes.")], [(SAM, "No, that is all.")]]
    wavs = []
    for i, parts in enumerate(lines):
        write_line(tmp / f"l{i}.wav", parts)
        wavs.append(tmp / f"l{i}.wav")
    peak = 0.0
    with VirtualRoom() as room:
        app = practice(room, tmp, turn_taking + "remind_after = 600.0\n")
        proc = psutil.Process(app.pid)
        since = 0.0
        for wav in wavs:
            while not room.wait_for_coach(since, timeout=0.5):
                peak = max(peak, proc.memory_info().rss / 2**20)
            room.play(wav)
            since = room.now()
            peak = max(peak, proc.memory_info().rss / 2**20)
        app.wait(timeout=60)
        rec = room.recording()
    partners, coach = segments(rec[:, 0]), segments(rec[:, 1])
    out = []
    for p in partners:
        after = [c.start for c in coach if c.start >= p.end]
        nxt = [q.start for q in partners if q.start > p.end]
        if after and (not nxt or after[0] < nxt[0]):
            out.append(after[0] - p.end - minus)
    (folder,) = list((tmp / "data" / "sessions").iterdir())
    keys = [e["key"] for e in read_events(folder / "events.jsonl") if e["type"] == "cue"]
    return out, peak, keys


def long_turn(seconds: float) -> np.ndarray:
    """Real speech joined with 0.4-0.7 s breaths until `seconds` long."""
    from voice_coach.hearing.audio_source import load_audio
    from voice_coach.speaking.voice import trim_silence

    clips = [trim_silence(load_audio(p)) for p in sorted((shared_data() / "speech").rglob("*.wav"))]
    rng = np.random.default_rng(7)
    parts, n = [], 0
    while n < seconds * 16000:
        clip = clips[int(rng.integers(len(clips)))]
        gap = np.zeros(int(rng.uniform(0.4, 0.7) * 16000), dtype=np.int16)
        parts += [clip, gap]
        n += len(clip) + len(gap)
    return np.concatenate(parts)[: int(seconds * 16000)]


def transcript_delays(lengths: list[float]) -> list[tuple[float, float]]:
    from voice_coach.app import run_session
    from voice_coach.hearing.audio_source import ArraySource
    from voice_coach.settings import Settings
    from voice_coach.speaking.player import Timeline, TimelinePlayer
    from voice_coach.view import ConsoleView

    silence = np.zeros(16000 * 15, dtype=np.int16)  # room for the coach's cues between turns
    audio = np.concatenate([x for n in lengths for x in (silence, long_turn(n))] + [silence])
    tmp = Path(tempfile.mkdtemp(prefix="vc-bench-"))
    s = Settings(exercise="mirroring", data_dir=str(tmp), remind_after=600.0)
    timeline = Timeline()
    with open(os.devnull, "w") as quiet:
        folder = run_session(s, ArraySource(audio, realtime=True), TimelinePlayer(timeline),
                             ConsoleView(live=False, out=quiet), first_use=False)
    events = read_events(folder / "events.jsonl")
    ends = {e["turn"]: e for e in events if e["type"] == "turn_end"}
    texts = {e["turn"]: e for e in events if e["type"] == "transcript"}
    return [(end["duration"], texts[turn]["t"] - end["t"])
            for turn, end in ends.items() if turn in texts and end["duration"] > 3]


def idle_cpu(seconds: float) -> tuple[float, float]:
    """Percent of one core used by a practice session listening to silence: in a couple's first
    session (the cues not said yet are rendered in the background meanwhile), and in the next one
    (every cue found in the cue cache the first one left)."""
    from bench_voice import fill_cache

    from voice_coach.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="vc-bench-"))
    shares = []
    with VirtualRoom() as room:
        for session in ("first", "next"):
            if session == "next":  # what the first session's background would have left, had it run on
                s = Settings()
                fill_cache("mirroring", tmp / "data", (s.sender, s.receiver))
            app = practice(room, tmp, "remind_after = 600.0\n")
            room.wait_for_coach(room.now(), quiet=1.0, timeout=60)
            proc = psutil.Process(app.pid)
            time.sleep(2.0)
            before, t0 = proc.cpu_times(), time.monotonic()
            time.sleep(seconds)
            after, t1 = proc.cpu_times(), time.monotonic()
            app.terminate()
            app.wait(timeout=20)
            used = (after.user - before.user) + (after.system - before.system)
            shares.append(100.0 * used / (t1 - t0))
    return shares[0], shares[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="fewer turns, shorter turns")
    args = ap.parse_args()
    rounds = 2 if args.quick else 5
    lengths = [5.0, 30.0] if args.quick else [5.0, 30.0, 90.0]

    lat, peak, keys = latency(rounds, PLAIN, END_SILENCE)
    waits, peak_shipped, keys_shipped = latency(rounds, "", 0.0)
    cpu = idle_cpu(10.0 if args.quick else 30.0)
    delays = transcript_delays(lengths)

    print(f"\nLive loop, {len(lat)} partner turns in the virtual room (end_silence {END_SILENCE} s)")
    print(f"  cue latency after end silence: median {1000 * statistics.median(lat):.0f} ms, "
          f"worst {1000 * max(lat):.0f} ms, best {1000 * min(lat):.0f} ms")
    print(f"  cues said: {len(keys)}; peak memory of the session: {peak:.0f} MB")
    print(f"\nThe same turns, turn-taking as shipped ({len(waits)} turns, {len(keys_shipped)} cues)")
    q = statistics.quantiles(waits, n=20)
    print(f"  from the partner's last word to the coach's first sound: "
          f"median {statistics.median(waits):.2f} s, p95 {q[-1]:.2f} s, "
          f"best {min(waits):.2f} s, worst {max(waits):.2f} s")
    print(f"  peak memory of the session: {peak_shipped:.0f} MB\n")
    print(f"  CPU while listening to silence: {cpu[1]:.1f}% of one core with every cue cached "
          f"({cpu[0]:.1f}% in a first session, rendering the cues in the background)")
    built = ", ".join(f"{n:.0f} s" for n in lengths)
    print(f"  turns built: {built} (a pause inside a recording may split one)")
    for duration, d in delays:
        print(f"  final transcript after a {duration:.0f} s turn: {1000 * d:.0f} ms")


if __name__ == "__main__":
    main()
