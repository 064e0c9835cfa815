#!/usr/bin/env python
"""Talking over the coach: how often is it heard, and how often is it imagined?

    .venv/bin/python scripts/bench_over_coach.py          # about a minute on 2 cores
    .venv/bin/python scripts/bench_over_coach.py --quick

Sessions assembled from real recordings: eight cues of the coach (every cue of cues/en.toml in
the default voice, in turn), each answered by a partner (a sentence of ../shared/data at -26 dBFS,
0.6-1.2 s after the cue, through its own simulated room). The cue leaks back into the microphone
through another simulated room (RT60 0.5 s, direct-to-reverberant 6 dB), at -6, 0 or +6 dB
against the partners, after the speaker's delay (0.12 s, PulseAudio, or 0.25 s, Bluetooth) which
wanders by up to 40 ms from cue to cue. In each session one cue is talked over: the partner's
answer starts 0.3 s into the cue or later, at least 0.6 s before its end ("talk-over"); or a word
of 0.4-0.7 s is said over it ("a word over"); in another the partner answers quickly, 0-0.3 s
after the coach's last sound at the microphone ("quick answer", not talking over). Clean, and with
kitchen noise at 20 and 10 dB below the speech.

Prints, per condition: talk-overs heard, words over heard, quick answers taken for talk-over, and
false alarms on the other cues (nobody spoke during them). Writes nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_turns import DATA, LEVEL, active_level, load_noise, noise_slice, room_ir  # noqa: E402

from voice_coach.hearing.audio_source import load_audio  # noqa: E402
from voice_coach.hearing.classifiers import FRAME_SAMPLES, SAMPLE_RATE, SileroClassifier  # noqa: E402
from voice_coach.hearing.over_coach import OverCoach, OverCoachParams  # noqa: E402
from voice_coach.settings import Settings  # noqa: E402

CUES_PER_SESSION = 8
JITTER = 0.04
PARAMS: dict = {}  # --set
COST = [0.0, 0.0]  # seconds spent listening over the coach, seconds of audio


def fconv(x: np.ndarray, h: np.ndarray) -> np.ndarray:
    n = len(x) + len(h) - 1
    size = 1 << (n - 1).bit_length()
    return np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(h, size), size)[:n]


def cue_audio() -> list[np.ndarray]:
    import tomllib

    from voice_coach.speaking.voice import Voice

    book = tomllib.loads((ROOT / "voice_coach" / "cues" / "en.toml").read_text())["cues"]
    s = Settings()
    voice = Voice(s.voice, s.voice_rate)
    fields = {"sender": "Alex", "receiver": "Sam", "minutes": 20, "timeout_word": "pause"}
    texts = [t.format(**fields) for k, t in book.items() if k != "safety_note"]
    return [voice.render(t).astype(np.float64) / 32768 for t in texts]


def sentences() -> list[np.ndarray]:
    rows = [r.split("\t") for r in (DATA / "refs.tsv").read_text().splitlines()[1:] if r.strip()]
    out = []
    for path, _speaker, _ in rows:
        if "speech_bab" in path:
            continue
        x = load_audio(DATA / path).astype(np.float64) / 32768
        out.append(x * 10 ** ((LEVEL - active_level(x)) / 20))
    return out


@dataclass(frozen=True)
class Condition:
    name: str
    delay: float
    echo_db: float
    noise_db: float | None


@dataclass
class Tally:
    over: int = 0
    over_heard: int = 0
    word: int = 0
    word_heard: int = 0
    quick: int = 0
    quick_heard: int = 0
    quiet: int = 0
    quiet_heard: int = 0


def session(rng: np.random.Generator, cond: Condition, cues: list[np.ndarray], speech: list[np.ndarray],
            noise: np.ndarray | None, first: int, tally: Tally) -> None:
    echo_ir, partner_ir = (room_ir(int(seed)).astype(np.float64) for seed in rng.integers(1 << 30, size=2))
    kinds = ["quiet"] * CUES_PER_SESSION
    over_at, quick_at = rng.choice(CUES_PER_SESSION, 2, replace=False)
    kinds[over_at] = "over" if rng.random() < 0.6 else "word"
    kinds[quick_at] = "quick"
    t, placed, spoken = 1.0, [], []
    for i, kind in enumerate(kinds):
        cue = cues[(first + i) % len(cues)]
        if kind in ("over", "word"):  # a cue long enough to be talked over
            cue = max(cues[(first + i) % len(cues) :] + cues, key=lambda c: len(c) >= 1.5 * SAMPLE_RATE)
        start = round(t / 0.03) * 0.03  # the loop starts cues on a frame
        end = start + len(cue) / SAMPLE_RATE
        lag = cond.delay + rng.uniform(-JITTER, JITTER)
        placed.append((start, end, cue, lag, kind))
        s = speech[rng.integers(len(speech))]
        if kind == "over":
            at = rng.uniform(start + 0.3, end - 0.6)
        elif kind == "word":
            n = int(rng.uniform(0.4, 0.7) * SAMPLE_RATE)
            at = rng.uniform(start + 0.3, end - 0.9)
            loud = np.flatnonzero(np.abs(s) > 0.01)
            spoken.append((at, s[loud[0] : loud[0] + n]))
            s = speech[rng.integers(len(speech))]
            at = end + lag + rng.uniform(0.6, 1.2)
        elif kind == "quick":
            at = end + lag + rng.uniform(0.0, 0.3)
        else:
            at = end + lag + rng.uniform(0.6, 1.2)
        spoken.append((at, s))
        t = max(end, at + len(s) / SAMPLE_RATE) + rng.uniform(1.0, 2.0)
    n = int((t + 1.0) * SAMPLE_RATE)
    echo, partners = np.zeros(n), np.zeros(n)
    for start, _end, cue, lag, _ in placed:
        i = int((start + lag) * SAMPLE_RATE)
        e = fconv(cue, echo_ir) * 10 ** (cond.echo_db / 20) * 10 ** ((LEVEL - active_level(cue)) / 20)
        echo[i : i + len(e)] += e[: n - i]
    for at, s in spoken:
        i = int(at * SAMPLE_RATE)
        p = fconv(s, partner_ir)
        partners[i : i + len(p)] += p[: n - i]
    mic = echo + partners
    if noise is not None and cond.noise_db is not None:
        mic += noise_slice(noise, int(rng.integers(len(noise))), n) * 10 ** ((LEVEL - cond.noise_db) / 20)
    pcm = np.clip(mic * 32768, -32768, 32767).astype(np.int16)

    heard = OverCoach(OverCoachParams(**PARAMS))
    silero = SileroClassifier()
    found: list[float] = []
    queue = list(placed)
    deaf = [(start, end + 0.4) for start, end, *_ in placed]
    for k in range(n // FRAME_SAMPLES):
        ft = k * FRAME_SAMPLES / SAMPLE_RATE
        while queue and queue[0][0] <= ft + 1e-9:
            start, end, cue, _, _ = queue.pop(0)
            heard.expect(start, end, (cue * 32768).astype(np.int16))
        frame = pcm[k * FRAME_SAMPLES : (k + 1) * FRAME_SAMPLES]
        shut = any(a < ft + 0.03 and ft < b for a, b in deaf)
        speech = not shut and silero.is_speech(frame)
        t0 = time.perf_counter()
        found += heard.hear(ft, frame, speech)
        COST[0] += time.perf_counter() - t0
    COST[1] += n / SAMPLE_RATE
    for start, end, _cue, _lag, kind in placed:
        hit = any(start <= f < end + 0.5 for f in found)
        setattr(tally, kind, getattr(tally, kind) + 1)
        setattr(tally, f"{kind}_heard", getattr(tally, f"{kind}_heard") + int(hit))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer sessions per condition")
    ap.add_argument("--sessions", type=int, default=None)
    ap.add_argument("--set", action="append", default=[], help="NAME=VALUE: one of OverCoachParams")
    args = ap.parse_args(argv)
    for kv in args.set:
        k, v = kv.split("=")
        PARAMS[k] = float(v) if "." in v else int(v)
    per = args.sessions or (6 if args.quick else 30)
    t0 = time.monotonic()
    cues, speech, kitchen = cue_audio(), sentences(), load_noise("kitchen")
    rooms = {None: "clean", 20.0: "kitchen 20 dB", 10.0: "kitchen 10 dB"}
    conditions = [Condition(f"delay {d:.2f} s, echo {e:+.0f} dB, {rooms[nz]}", d, e, nz)
                  for d in (0.12, 0.25) for e in (-6.0, 0.0, 6.0) for nz in rooms]
    print(f"{per} sessions of {CUES_PER_SESSION} cues per condition\n")
    print("| condition | talk-over heard | a word over heard | quick answer taken for one "
          "| false alarms, quiet cues |")
    print("|---|---|---|---|---|")
    total = Tally()
    for ci, cond in enumerate(conditions):
        tally = Tally()
        rng = np.random.default_rng(1000 + ci)
        for s in range(per):
            session(rng, cond, cues, speech, kitchen, first=s * CUES_PER_SESSION, tally=tally)
        for f in vars(total):
            setattr(total, f, getattr(total, f) + getattr(tally, f))
        print(f"| {cond.name} | {tally.over_heard}/{tally.over} | {tally.word_heard}/{tally.word} "
              f"| {tally.quick_heard}/{tally.quick} | {tally.quiet_heard}/{tally.quiet} |")
    t = total
    print(f"| **all** | {t.over_heard}/{t.over} ({100 * t.over_heard / max(t.over, 1):.0f}%) "
          f"| {t.word_heard}/{t.word} ({100 * t.word_heard / max(t.word, 1):.0f}%) "
          f"| {t.quick_heard}/{t.quick} | {t.quiet_heard}/{t.quiet} |")
    cost = 1000 * COST[0] / COST[1]
    print(f"\nCost: {cost:.1f} ms of one core per second of audio; {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
