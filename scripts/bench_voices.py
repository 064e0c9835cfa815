#!/usr/bin/env python
"""Whose voice: how often does the coach take one partner for the other?

    .venv/bin/python scripts/bench_voices.py

Voices: the four speakers of ../shared/data with three or more recordings (the two Harvard
speakers, CMU ARCTIC aew and axb) and the two espeak-ng voices the spoken tests use, each
sentence brought to -26 dBFS; every pair of them is a couple (15 couples). For each couple and
each way round, both voices are learnt from one clean sentence each ("both known" rows) or only
the other partner's is (the moment before the expected partner has been heard: "other only");
every other sentence of either is then judged as speech the protocol gave the expected partner:
whole, or its middle 1.0 or 1.5 s; clean and with kitchen noise at 20 and 10 dB below the
speech.

Prints, for the thresholds in whose_voice.py and their neighbours: false cut-ins (the expected
partner taken for the other) and cut-ins found (the other partner recognised), as rates over
judged stretches. Writes nothing.
"""

from __future__ import annotations

import itertools
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_turns import DATA, LEVEL, active_level, load_noise, noise_slice  # noqa: E402

from voice_coach.hearing.audio_source import load_audio  # noqa: E402
from voice_coach.hearing.classifiers import SAMPLE_RATE  # noqa: E402
from voice_coach.hearing.voiceprint import Voiceprints  # noqa: E402
from voice_coach.hearing.whose_voice import VoiceParams, WhoseVoice  # noqa: E402
from voice_coach.speaking.voice import Voice  # noqa: E402

SENTENCES = [
    "When you are late I feel alone.", "I need some quiet after work.",
    "What I desire is a calm evening.", "I appreciate how you cook for us.",
    "The story I tell myself is that I am alone.", "Please take a walk with me on Sunday.",
]
ESPEAK = {"espeak_rp": "gmw/en-gb-x-rp", "espeak_f4": "gmw/en+f4"}
CROPS = (None, 1.5, 1.0)
ROOMS = (("clean", None), ("kitchen 20 dB", 20.0), ("kitchen 10 dB", 10.0))


def voices() -> dict[str, list[np.ndarray]]:
    rows = [r.split("\t") for r in (DATA / "refs.tsv").read_text().splitlines()[1:] if r.strip()]
    out: dict[str, list[np.ndarray]] = {}
    for path, speaker, _ in rows:
        if "speech_bab" in path:
            continue
        out.setdefault(speaker, []).append(load_audio(DATA / path).astype(np.float32) / 32768)
    for name, voice in ESPEAK.items():
        out[name] = [Voice(voice, 150).render(t).astype(np.float32) / 32768 for t in SENTENCES]
    return {k: [x * 10 ** ((LEVEL - active_level(x)) / 20) for x in v] for k, v in out.items()}


def crop(x: np.ndarray, secs: float | None) -> np.ndarray:
    if secs is None or len(x) <= secs * SAMPLE_RATE:
        return x
    n = int(secs * SAMPLE_RATE)
    a = (len(x) - n) // 2
    return x[a : a + n]


def main() -> None:
    t0 = time.perf_counter()
    encoder = Voiceprints()
    kitchen = load_noise("kitchen")
    talk = voices()
    couples = [k for k, v in talk.items() if len(v) >= 3]
    prints: dict[tuple[str, int, float | None, str], np.ndarray] = {}
    spent = 0.0
    for room, snr in ROOMS:
        for who, sentences in talk.items():
            for i, x in enumerate(sentences):
                for secs in CROPS:
                    y = crop(x, secs)
                    if snr is not None:
                        y = y + noise_slice(kitchen, 7919 * i, len(y)) * 10 ** ((LEVEL - snr) / 20)
                    t = time.perf_counter()
                    prints[(who, i, secs, room)] = encoder.embed(y)
                    spent += time.perf_counter() - t
    speech = sum(len(crop(x, s)) for v in talk.values() for x in v for s in CROPS) * len(ROOMS) / SAMPLE_RATE
    print(f"{len(prints)} voiceprints of {speech:.0f} s of speech in {spent:.1f} s "
          f"({1000 * spent / speech:.0f} ms per second of speech, one thread)\n")

    def judge(params: VoiceParams, both: bool, room: str, secs: float | None) -> tuple[int, int, int, int]:
        false_alarm = judged_same = found = judged_other = 0
        for a, b in itertools.permutations(couples, 2):
            for enrol in range(3):
                w = WhoseVoice((a, b), params)
                w.learn(b, prints[(b, enrol, None, "clean")])
                if both:
                    w.learn(a, prints[(a, enrol, None, "clean")])
                for i in range(len(talk[a])):
                    if i != enrol or not both:
                        false_alarm += w.judge(a, prints[(a, i, secs, room)]) == b
                        judged_same += 1
                for i in range(len(talk[b])):
                    if i != enrol:
                        found += w.judge(a, prints[(b, i, secs, room)]) == b
                        judged_other += 1
        return false_alarm, judged_same, found, judged_other

    default = VoiceParams()
    print("| voices known | setting | room | stretch | false cut-ins | cut-ins found |")
    print("|---|---|---|---|---|---|")
    for both, values in ((True, (0.05, 0.1, 0.15)), (False, (0.7, 0.75, 0.8))):
        for v in values:
            params = replace(default, margin=v) if both else replace(default, same_above=v)
            setting = f"margin {v}" if both else f"alike from {v}"
            if v == (default.margin if both else default.same_above):
                setting = f"**{setting}**"
            for room, _ in ROOMS:
                for secs in CROPS:
                    fa, n_same, hit, n_other = judge(params, both, room, secs)
                    stretch = "whole" if secs is None else f"{secs} s"
                    print(f"| {'both' if both else 'other only'} | {setting} | {room} | {stretch} | "
                          f"{100 * fa / n_same:.1f}% of {n_same} | {100 * hit / n_other:.1f}% of {n_other} |")
    print(f"\n{time.perf_counter() - t0:.0f} s in all")


if __name__ == "__main__":
    main()
