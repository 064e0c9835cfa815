#!/usr/bin/env python
"""Soak (issue 15, "Figures: a soak"): does one long session stay alive, lose nothing, and keep its
memory flat? Prints figures; asserts nothing.

    .venv/bin/python scripts/soak.py --file              # 120 minutes of input through --input-file
    .venv/bin/python scripts/soak.py --file --minutes 30
    .venv/bin/python scripts/soak.py --live              # 20 minutes live in the virtual room
    .venv/bin/python scripts/soak.py --live --minutes 1  # a quick check that it works

The partners: real speech from ../shared/data (its README.md), one voice each, as in the live
tests: Alex is the Harvard sentences' second speaker, Sam the first. A piece is two or three of
their sentences with a breath (0.3-0.9 s) between them, each sentence brought to one level
(+-1.5 dB). The recordings hold one real answer: the start of "We are sure that one war is
enough", cut after "sure" (0.55 s, Alex's own voice), which the coach reads as "yes". Room noise
(the kitchen, the running tap, the exercise bike) comes in stretches of a minute or so, 15-25 dB
below the speech, with one to three minutes of quiet between them.

Why such a session does not end (protocol.py): the default exercise (the dialogue) stays in its
pieces phase for as long as "did they get it?" is answered "yes" or by going on, and "is there
more?" by "yes" (more) or by going on; going on is six words or more that hold no answer phrase.
Every turn of the track is a piece of two or three sentences (5-8 words each, so 11 or more,
none holding an answer phrase, a command or words of danger) or that "yes", so whatever step the
coach is at, no turn can close the phase: one session lasts as long as its input. Only "no",
"that's all" or an unclear short answer to "is there more?" would move on (to the summary, then
the other sender, then the end), and the track holds none (a turn cut short under a cue could
still be heard as one: the figures say where the session ended). The track is timed for the
coach: after each turn, the longest hold (2.8 s, after "yes" too: Smart Turn hears the cut "We
are sure" as unfinished, so the quick end for a whole answer does not apply), the cue the
protocol will say (rendered here with the session's own voice to know its length), the 0.4 s
echo tail and a breath (0.6-1.6 s). The opening: Alex asks "is now a good time?" (the
appointment: one sentence, as the coach answers no question there and waits no longer than a
breath), Sam answers with a piece (read as yes: it holds no "no"), then the rounds. The couple
has already heard the safety note (the data folder says so), so the session starts with the
exercise.

--file: the track (`--minutes` of it) is written as a 16 kHz WAV in a temporary folder and
`voice-coach practice --input-file` runs on it as a child process (as fast as it can). --live: a
track of up to 10 minutes is played into the virtual room of the tests (tests/virtual_room.py: a
private PulseAudio server; partners into its `partners` sink, the app on its default devices),
again and again from the coach's first sound on, and `voice-coach practice` is stopped with
SIGINT after `--minutes` (exit code 130 expected).

Figures: the child's resident memory (VmRSS from /proc, every `--every` seconds): at start (the
first sample once the first transcript is in the log, by when every model is loaded, and at least
30 s after launch, when the cues rendered in the background are done), at the end, the largest
(and the kernel's VmHWM, which counts loading too), the means of the first and last tenth of the
samples from start on, their least-squares trend in MB an hour of stream (given 10 minutes or
more), and points between, each with the stream time the log had reached; "flat" when the last
tenth's mean is within 5% of the first tenth's (one sample swings by 50 MB or more as Whisper
works). Wall time; the log's events (every line that
voice_coach.records.session_log.read_events parses) by type; session_end with its input_overflows and
input_filled_secs (absent when the input lost nothing: the loop records them only when they grow);
the exit code; what stderr said (a warning about events that could not be saved, or anything
else); how far into the input the session ran, whether the coach still spoke in the last minutes,
and any pause, time-out or care stop.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402

from voice_coach.hearing.audio_source import load_audio  # noqa: E402
from voice_coach.records.keepsakes import Keepsakes  # noqa: E402
from voice_coach.records.session_log import EVENTS_FILE, read_events  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
RATE = 16000
HARVARD = "speech/two-speakers-harvard/"
VOICES = {  # who: their sentences (one speaker each); "We are sure..." holds an answer: Alex's "yes" only
    "Alex": [f"{HARVARD}spk2_snt{i}.wav" for i in range(2, 7)],
    "Sam": [f"{HARVARD}spk1_snt{i}.wav" for i in range(1, 7)],
}
YES = (f"{HARVARD}spk2_snt1.wav", 0.55)  # "We are sure" (that one war is enough): Alex's "yes"
NOISES = ["noise/doing_the_dishes.wav", "noise/running_tap.wav", "noise/exercise_bike.wav"]
LEVEL = 0.05  # speech RMS (about -26 dBFS)

# What the coach answers each kind of turn with, and the step it goes to (protocol.py), for the
# turns this track holds; who speaks at each step.
NEXT = {
    ("appointment", "piece"): (None, "appointment_answer"),  # the receiver answers, no cue
    ("appointment_answer", "piece"): ("sender_starts", "share"),  # no "no" in it: yes
    ("share", "piece"): ("prompt_mirror", "mirror"), ("share", "yes"): ("prompt_mirror", "mirror"),
    ("mirror", "piece"): ("check", "check"), ("mirror", "yes"): ("check", "check"),
    ("check", "yes"): ("more", "more"), ("check", "piece"): ("prompt_mirror", "mirror"),  # going on
    ("more", "yes"): ("go_on", "share"), ("more", "piece"): ("prompt_mirror", "mirror"),  # going on
}
SPEAKER = {"appointment": "Alex", "appointment_answer": "Sam", "share": "Alex", "mirror": "Sam",
           "check": "Alex", "more": "Alex"}
YES_ODDS = {"check": 0.6, "more": 0.35}  # else a piece (going on); elsewhere always a piece
# The coach's longest wait before it answers (2.8 s) and a margin. After the cut "We are sure" too:
# Smart Turn hears it as unfinished (about 0.1: it was cut before "that"), so the quick 0.6 s end
# for a whole answer does not apply (turn_end.py), and the coach waits the full 2.8 s.
HOLD = {"piece": 3.0, "yes": 3.0}
ECHO_TAIL = 0.4  # the microphone stays shut this long after a cue (settings.echo_tail)
CHAIN_GAP = 0.12  # between two cues said together (loop.py)
OPENING = ("welcome", "appointment")


def cue_secs() -> dict[str, float]:
    """How long each cue the track waits for lasts, in the session's own voice and pace."""
    from voice_coach.dialogue.phrasebook import load_phrasebook
    from voice_coach.settings import Settings
    from voice_coach.speaking.voice import Voice

    settings = Settings()
    book, voice = load_phrasebook(None), Voice(settings.voice, settings.voice_rate)
    keys = {k for k, _ in NEXT.values() if k} | set(OPENING)
    secs = {k: len(voice.render(book.say(k, "Alex", "Sam", **settings.cue_fields()))) / RATE for k in keys}
    voice.close()
    return secs


def _level(x: np.ndarray) -> np.ndarray:
    f = x.astype(np.float32) / 32768.0
    return f * (LEVEL / max(float(np.sqrt(np.mean(f**2))), 1e-6))


class Noise:
    """Room noise in stretches: a whole recording at a time, quiet between them."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._clips = [_level(load_audio(DATA / p)) for p in NOISES]
        self._buf = np.zeros(0, dtype=np.float32)
        self.secs = 0.0

    def take(self, n: int) -> np.ndarray:
        while len(self._buf) < n:
            quiet = np.zeros(int(self._rng.uniform(60, 180) * RATE), dtype=np.float32)
            clip = self._rng.choice(self._clips) * 10 ** (-self._rng.uniform(15, 25) / 20)
            ramp = np.arange(len(clip))
            fade = np.minimum(1.0, np.minimum(ramp, ramp[::-1]) / (0.5 * RATE))
            self.secs += len(clip) / RATE
            self._buf = np.concatenate([self._buf, quiet, (clip * fade).astype(np.float32)])
        out, self._buf = self._buf[:n], self._buf[n:]
        return out


@dataclass
class Track:
    path: Path
    secs: float
    turns: Counter = field(default_factory=Counter)  # (who, kind)
    speech_secs: float = 0.0
    noise_secs: float = 0.0


def build_track(path: Path, secs: float, cues: dict[str, float], seed: int) -> Track:
    """A two-partner session as the coach would lead it, `secs` long, written a turn at a time."""
    rng = random.Random(seed)
    sentences = {who: [_level(load_audio(DATA / p)) for p in paths] for who, paths in VOICES.items()}
    yes_full = _level(load_audio(DATA / YES[0]))
    yes = yes_full[: int(YES[1] * RATE)] * np.minimum(1.0, np.arange(int(YES[1] * RATE))[::-1] / 160)
    noise = Noise(rng)
    track = Track(path, secs)
    step, last = "appointment", {}
    lead = sum(cues[k] for k in OPENING) + CHAIN_GAP + ECHO_TAIL + rng.uniform(0.6, 1.6)
    with sf.SoundFile(str(path), "w", RATE, 1, "PCM_16") as f:
        written = 0

        def put(x: np.ndarray) -> None:
            nonlocal written
            x = x[: max(0, int(secs * RATE) - written)]
            f.write(np.clip((x + noise.take(len(x))) * 32767.0, -32768, 32767).astype(np.int16))
            written += len(x)

        put(np.zeros(int(lead * RATE), dtype=np.float32))
        while written < secs * RATE:
            who = SPEAKER[step]
            kind = "yes" if rng.random() < YES_ODDS.get(step, 0.0) else "piece"
            if kind == "yes":
                turn = yes * 10 ** (rng.uniform(-1.5, 1.5) / 20)
            else:
                parts = []
                # the appointment is one question: there the coach waits no longer than a breath
                for _ in range(1 if step == "appointment" else rng.choice((2, 2, 3))):
                    i = rng.choice([j for j in range(len(sentences[who])) if j != last.get(who)])
                    last[who] = i
                    parts += [sentences[who][i] * 10 ** (rng.uniform(-1.5, 1.5) / 20),
                              np.zeros(int(rng.uniform(0.3, 0.9) * RATE), dtype=np.float32)]
                turn = np.concatenate(parts[:-1])
            put(turn)
            track.turns[(who, kind)] += 1
            track.speech_secs += len(turn) / RATE
            cue, step = NEXT[(step, kind)]
            if cue is None:  # the receiver answers the appointment at once
                gap = rng.uniform(0.8, 1.5)
            else:
                gap = HOLD[kind] + cues[cue] + ECHO_TAIL + rng.uniform(0.6, 1.6)
            put(np.zeros(int(gap * RATE), dtype=np.float32))
    track.noise_secs = noise.secs
    return track


# -- watching the child ------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample:
    wall: float  # seconds since launch
    rss_mb: float
    stream: float  # the last event's time in the log (stream seconds)
    events: int


class Watch:
    """Samples the child's memory and follows its session log as it grows (a line at a time)."""

    def __init__(self, proc: subprocess.Popen, data: Path, t0: float) -> None:
        self.proc, self.data, self.t0 = proc, data, t0
        self.samples: list[Sample] = []
        self.hwm_mb = 0.0
        # Warmed up: the first sample after the first transcript (every model loaded) and at least
        # 30 s after launch (the cues rendered in the background by then; a few more load later).
        self.start: Sample | None = None
        self._log: Path | None = None
        self._offset, self._partial = 0, b""
        self._stream, self._events, self._heard = 0.0, 0, False

    def _status(self) -> dict[str, float]:
        try:
            text = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return {}
        return {line.split(":")[0]: int(line.split()[1]) / 1024 for line in text.splitlines()
                if line.startswith(("VmRSS:", "VmHWM:"))}

    def _follow(self) -> None:
        if self._log is None:
            found = sorted((self.data / "sessions").glob(f"*/{EVENTS_FILE}"))
            if not found:
                return
            self._log = found[0]
        with open(self._log, "rb") as f:
            f.seek(self._offset)
            chunk = f.read()
        self._offset += len(chunk)
        *lines, self._partial = (self._partial + chunk).split(b"\n")
        for line in lines:
            try:
                ev = json.loads(line)
            except ValueError:
                continue
            self._events += 1
            self._stream = max(self._stream, float(ev.get("t", 0.0)))
            self._heard = self._heard or ev.get("type") == "transcript"

    def sample(self) -> None:
        status = self._status()
        self._follow()
        if "VmRSS" not in status:
            return
        s = Sample(time.monotonic() - self.t0, status["VmRSS"], self._stream, self._events)
        self.samples.append(s)
        self.hwm_mb = max(self.hwm_mb, status.get("VmHWM", 0.0))
        if self.start is None and self._heard and s.wall >= 30.0:
            self.start = s

    def run(self, every: float, until: float | None = None) -> None:
        """Sample until the child exits (or, given `until`, until that monotonic time)."""
        while self.proc.poll() is None and (until is None or time.monotonic() < until):
            self.sample()
            time.sleep(min(every, max(0.05, (until or 1e18) - time.monotonic())))


def _clock(secs: float) -> str:
    return f"{int(secs // 60)}:{secs % 60:04.1f}"


def _when(s: Sample) -> str:
    return f"wall {_clock(s.wall)}, stream {_clock(s.stream)}"


STOPS = ("paused", "time_out", "silence_pause", "care_break", "care_danger", "care_self_harm", "close",
         "goodbye")  # cues that pause or end the exercise


def report(title: str, watch: Watch, wall: float, code: int | None, stderr: str, input_secs: float | None,
           expect_code: int) -> None:
    logs = sorted((watch.data / "sessions").glob(f"*/{EVENTS_FILE}"))
    events = read_events(logs[0]) if logs else []
    kinds = Counter(e["type"] for e in events)
    end = next((e for e in reversed(events) if e["type"] == "session_end"), None)
    print(f"\n== {title} ==")
    print(f"wall time            {wall:.0f} s ({_clock(wall)})"
          + (f", {input_secs / wall:.1f}x real time" if input_secs else ""))
    print(f"exit code            {code} (expected {expect_code})")
    print(f"session log          {len(events)} events: "
          + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    if end is None:
        print("session_end          MISSING")
    else:
        gaps = {k: end[k] for k in ("input_overflows", "input_filled_secs") if k in end}
        print(f"session_end          t={end['t']:.1f} s ({_clock(end['t'])}), reason={end.get('reason')!r}, "
              + (", ".join(f"{k}={v}" for k, v in gaps.items()) if gaps else
                 "input_overflows/input_filled_secs absent (the input lost nothing)"))
    if input_secs is not None and end is not None:
        print(f"input covered        {end['t'] / 60:.1f} of {input_secs / 60:.1f} min")
    cues = [e for e in events if e["type"] == "cue"]
    last_t = end["t"] if end else (events[-1]["t"] if events else 0.0)
    late = [c for c in cues if c["t"] >= last_t - 600]
    print(f"coach                {len(cues)} cues, {len(late)} in the last 10 min; by key: "
          + ", ".join(f"{k} {n}" for k, n in Counter(c["key"] for c in cues).most_common()))
    stops = [f"{_clock(c['t'])} {c['key']}" for c in cues if c["key"] in STOPS]
    finish = [f"{e.get('reason')} at {_clock(e['t'])}" for e in events if e["type"] == "finish"]
    print(f"pauses and stops     {', '.join(stops) or 'none'}; finish events: {', '.join(finish) or 'none'}")
    notes = Counter(e.get("kind") for e in events if e["type"] == "note")
    print("notes                " + (", ".join(f"{k} {n}" for k, n in notes.most_common()) or "none"))
    odd = [e for e in events if e["type"] == "note" and e.get("kind") in ("input", "transcription_failed")]
    for e in odd[-3:]:
        print(f"  {_clock(e['t'])} {e.get('kind')}: {e.get('detail')}")
    said = [line for line in stderr.splitlines() if line.strip()]
    lost = [line for line in said if "could not be saved" in line or "cannot save" in line]
    print(f"stderr               {len(said)} line(s); lost events: {'; '.join(lost) or 'none said'}")
    for line in said[-5:]:
        print(f"  | {line[:200]}")
    s = watch.samples
    if not s or watch.start is None:
        print("memory               no samples")
        return
    start, last = watch.start, s[-1]
    top = max(s, key=lambda x: x.rss_mb)
    print(f"RSS start            {start.rss_mb:.0f} MB ({_when(start)})")
    print(f"RSS end              {last.rss_mb:.0f} MB ({_when(last)})")
    print(f"RSS max              {top.rss_mb:.0f} MB ({_when(top)}); VmHWM {watch.hwm_mb:.0f} MB; "
          f"{len(s)} samples")
    after = [x for x in s if x.wall >= start.wall]
    tenth = max(1, len(after) // 10)
    first, later = np.mean([x.rss_mb for x in after[:tenth]]), np.mean([x.rss_mb for x in after[-tenth:]])
    change = (later - first) / first * 100
    print(f"RSS tenths           first {first:.0f} MB, last {later:.0f} MB (means of {tenth} sample(s) "
          f"each), {change:+.1f}%: {'flat' if abs(change) <= 5 else 'NOT flat'}")
    if after[-1].stream - after[0].stream >= 600:  # shorter, an hour's trend says nothing
        slope = np.polyfit([x.stream / 3600 for x in after], [x.rss_mb for x in after], 1)[0]
        print(f"RSS trend            {slope:+.0f} MB an hour of stream (least squares from start)")
    picks = sorted({round(i * (len(after) - 1) / 8) for i in range(9)})
    print("RSS over time        " + "  ".join(
        f"{_clock(after[i].stream)}:{after[i].rss_mb:.0f}" for i in picks) + "   (stream m:ss: MB)")


# -- the two soaks -----------------------------------------------------------------------------


def _child_env(base: dict[str, str]) -> dict[str, str]:
    path = base.get("PYTHONPATH")
    return {**base, "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else "")}


def _prepare(tmp: Path, minutes: float, seed: int) -> tuple[Path, Track]:
    data = tmp / "data"
    Keepsakes(data).acknowledge()  # they heard the safety note in an earlier session
    t = time.monotonic()
    track = build_track(tmp / "partners.wav", minutes * 60, cue_secs(), seed)
    print(f"track: {track.secs / 60:.1f} min, {sum(track.turns.values())} turns ("
          + ", ".join(f"{who} {kind} {n}" for (who, kind), n in sorted(track.turns.items()))
          + f"), {track.speech_secs / 60:.1f} min of speech, {track.noise_secs / 60:.1f} min of noise; "
          f"built in {time.monotonic() - t:.0f} s", flush=True)
    return data, track


APP_ARGS = ["--sender", "Alex", "--receiver", "Sam", "--hello", "never"]  # no hellos in the track


def soak_file(tmp: Path, minutes: float, every: float, seed: int) -> None:
    data, track = _prepare(tmp, minutes, seed)
    cmd = [sys.executable, "-m", "voice_coach", "practice", "--input-file", str(track.path),
           "--data-dir", str(data), *APP_ARGS]
    with open(tmp / "stdout.txt", "w") as out, open(tmp / "stderr.txt", "w") as err:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=_child_env(dict(os.environ)), stdout=out, stderr=err)
        watch = Watch(proc, data, t0)
        watch.run(every)
        code = proc.wait()
        wall = time.monotonic() - t0
    report(f"file: {minutes:g} min of input", watch, wall, code, (tmp / "stderr.txt").read_text(),
           track.secs, 0)


def _play_loop(room, wav: Path, stop: threading.Event) -> None:
    while not stop.is_set():
        proc = subprocess.Popen(["paplay", "--device=partners", "--latency-msec=20", str(wav)], env=room.env)
        while proc.poll() is None:
            if stop.wait(0.1):
                proc.terminate()
                proc.wait()
                return


def soak_live(tmp: Path, minutes: float, every: float, seed: int) -> None:
    from virtual_room import VirtualRoom, available

    why = available()
    if why:
        sys.exit(f"soak: the virtual room cannot be built: {why}")
    data, track = _prepare(tmp, min(minutes, 10.0), seed)
    cmd = [sys.executable, "-m", "voice_coach", "practice", "--data-dir", str(data), *APP_ARGS]
    stop = threading.Event()
    with open(tmp / "stdout.txt", "w") as out, open(tmp / "stderr.txt", "w") as err, VirtualRoom() as room:
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=_child_env(room.env), stdout=out, stderr=err)
        watch = Watch(proc, data, t0)
        if not room.wait_for_coach_to_start(0.0, timeout=90):
            print("soak: the coach said nothing within 90 s", file=sys.stderr)
        player = threading.Thread(target=_play_loop, args=(room, track.path, stop), daemon=True)
        player.start()  # from the coach's first sound: the track's opening silence is its opening cues
        watch.run(every, until=time.monotonic() + minutes * 60)
        watch.sample()  # the last, just before SIGINT
        alive = proc.poll() is None
        if alive:
            proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = proc.wait()
            print("soak: the app did not stop within 60 s of SIGINT: killed", file=sys.stderr)
        wall = time.monotonic() - t0
        stop.set()
        player.join(timeout=5)
    if not alive:
        print(f"soak: the app ended by itself after {wall:.0f} s, before SIGINT", file=sys.stderr)
    report(f"live: {minutes:g} min in the virtual room", watch, wall, code, (tmp / "stderr.txt").read_text(),
           None, 130)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--file", action="store_true",
                      help="a long input through --input-file (default 120 min)")
    mode.add_argument("--live", action="store_true", help="live in the virtual room (default 20 min)")
    ap.add_argument("--minutes", type=float, help="minutes of input (--file) or of the live session (--live)")
    ap.add_argument("--every", type=float, default=5.0, help="seconds between memory samples (default 5)")
    ap.add_argument("--seed", type=int, default=15, help="the track's random choices (default 15)")
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder (track, data, output)")
    args = ap.parse_args()
    if not (DATA / "refs.tsv").is_file():
        sys.exit(f"soak: the shared recordings are missing: expected them at {DATA}")
    minutes = args.minutes or (120.0 if args.file else 20.0)
    tmp = Path(tempfile.mkdtemp(prefix="vc-soak-"))
    try:
        (soak_file if args.file else soak_live)(tmp, minutes, args.every, args.seed)
    finally:
        if args.keep:
            print(f"kept: {tmp}")
        else:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
