#!/usr/bin/env python
"""Whose voice: how often does the coach take one partner for the other?

    .venv/bin/python scripts/bench_voices.py

Voices: the four speakers of ../shared/data with three or more recordings (the two Harvard
speakers, CMU ARCTIC aew and axb) and the two espeak-ng voices the spoken tests use, each
sentence brought to -26 dBFS. They are split in two parts of three voices (TUNE_VOICES,
HELD_OUT_VOICES: each one Harvard speaker, one ARCTIC speaker and one espeak-ng voice, a woman's
voice and a man's among them), and a couple is two voices of the same part: three couples a part,
none with a voice of the other part (issue 16: a number is chosen on one part and reported on
the other). The kitchen noise of each part is its own half of the recording.

For each couple and each way round, both voices are learnt from one clean sentence each ("both
known" rows) or only the other partner's is (the moment before the expected partner has been
heard: "other only"); every other sentence of either is then judged as speech the protocol gave
the expected partner: whole, or its middle 1.5 or 1.0 s; clean and with kitchen noise at 20 and
10 dB below the speech.

Prints two tables: on the tune couples, a sweep of `voice_margin` and of "alike from"
(`same_above`) and the rule that picks each (PICK: the smallest with no false cut-in in any
cell); on the held-out couples, the shipped values and their neighbours. False cut-ins: the
expected partner taken for the other; cut-ins found: the other partner recognised. Writes nothing.
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
from voice_coach.settings import Settings  # noqa: E402
from voice_coach.speaking.voice import Voice  # noqa: E402

SENTENCES = [
    "When you are late I feel alone.", "I need some quiet after work.",
    "What I desire is a calm evening.", "I appreciate how you cook for us.",
    "The story I tell myself is that I am alone.", "Please take a walk with me on Sunday.",
]
ESPEAK = {"espeak_rp": "gmw/en-gb-x-rp", "espeak_f4": "gmw/en+f4"}
CROPS = (None, 1.5, 1.0)
ROOMS = (("clean", None), ("kitchen 20 dB", 20.0), ("kitchen 10 dB", 10.0))
ENROL = 3  # each voice is learnt from each of its first three sentences in turn

# sb_spk1 is a woman's voice, sb_spk2 a man's; aew a man's, axb a woman's; espeak's RP a man's, f4 a
# woman's. Each part: three couples, one of them of two voices of the same sex.
TUNE_VOICES = ("sb_spk1", "arctic_aew", "espeak_rp")
HELD_OUT_VOICES = ("sb_spk2", "arctic_axb", "espeak_f4")
PARTS = {"tune": TUNE_VOICES, "held-out": HELD_OUT_VOICES}
NOISE_HALF = {"tune": 0, "held-out": 1}

SHIPPED = VoiceParams(margin=Settings().voice_margin)
# The sweep on the tune couples, in steps of 0.05; the rule of choice: a false cut-in makes the
# coach scold someone for nothing, a missed one costs little, so the smallest value with no false
# cut-in in any cell (room and stretch).
SWEEP_MARGIN = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
SWEEP_ALIKE = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85)


def voices() -> dict[str, list[np.ndarray]]:
    rows = [r.split("\t") for r in (DATA / "refs.tsv").read_text().splitlines()[1:] if r.strip()]
    out: dict[str, list[np.ndarray]] = {}
    for path, speaker, _ in rows:
        if "speech_bab" in path:
            continue
        out.setdefault(speaker, []).append(load_audio(DATA / path).astype(np.float32) / 32768)
    for name, voice in ESPEAK.items():
        out[name] = [Voice(voice, 150).render(t).astype(np.float32) / 32768 for t in SENTENCES]
    out = {k: v for k, v in out.items() if len(v) >= ENROL}
    assert not set(TUNE_VOICES) & set(HELD_OUT_VOICES)
    unassigned = set(out) - set(TUNE_VOICES) - set(HELD_OUT_VOICES)
    if unassigned:
        raise SystemExit(f"voices in neither part: {', '.join(sorted(unassigned))}; add each to one")
    return {k: [x * 10 ** ((LEVEL - active_level(x)) / 20) for x in v] for k, v in out.items()}


def crop(x: np.ndarray, secs: float | None) -> np.ndarray:
    if secs is None or len(x) <= secs * SAMPLE_RATE:
        return x
    n = int(secs * SAMPLE_RATE)
    a = (len(x) - n) // 2
    return x[a : a + n]


Key = tuple[str, int, "float | None", str]


def judge(talk: dict[str, list[np.ndarray]], prints: dict[Key, np.ndarray], part: str,
          params: VoiceParams, both: bool, room: str, secs: float | None) -> tuple[int, int, int, int]:
    """False cut-ins, stretches of the expected partner, cut-ins found, stretches of the other:
    over every couple of the part, each way round, each voice learnt from each of its first
    sentences in turn."""
    false_alarm = judged_same = found = judged_other = 0
    for a, b in itertools.permutations(PARTS[part], 2):
        for enrol in range(ENROL):
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


def table(talk: dict[str, list[np.ndarray]], prints: dict[Key, np.ndarray], part: str,
          values: dict[bool, tuple[float, ...]]) -> dict[tuple[bool, float], int]:
    """Prints one row per setting; returns each setting's false cut-ins over all its cells."""
    rooms = "; ".join(r for r, _ in ROOMS)
    print(f"| voices known | setting | false cut-ins (whole, 1.5 s, 1.0 s): {rooms} "
          f"| cut-ins found (whole, 1.5 s, 1.0 s): {rooms} |")
    print("|---|---|---|---|")
    errors = {}
    for both in (True, False):
        for v in values[both]:
            params = replace(SHIPPED, margin=v) if both else replace(SHIPPED, same_above=v)
            setting = f"margin {v:g}" if both else f"alike from {v:g}"
            if v == (SHIPPED.margin if both else SHIPPED.same_above):
                setting = f"**{setting} (shipped)**"
            false_cells, found_cells, total = [], [], 0
            for room, _ in ROOMS:
                cells = [judge(talk, prints, part, params, both, room, secs) for secs in CROPS]
                n_same, n_other = cells[0][1], cells[0][3]
                false_cells.append("/".join(str(c[0]) for c in cells) + f" of {n_same}")
                found_cells.append("/".join(f"{100 * c[2] / c[3]:.0f}" for c in cells) + f"% of {n_other}")
                total += sum(c[0] for c in cells)
            errors[(both, v)] = total
            print(f"| {'both' if both else 'other only'} | {setting} | {'; '.join(false_cells)} "
                  f"| {'; '.join(found_cells)} |")
    return errors


def main() -> None:
    t0 = time.perf_counter()
    encoder = Voiceprints()
    noise = load_noise("kitchen")
    halves = (noise[: len(noise) // 2], noise[len(noise) // 2 :])
    talk = voices()
    part_of = {who: part for part, names in PARTS.items() for who in names}
    prints: dict[Key, np.ndarray] = {}
    spent = 0.0
    for room, snr in ROOMS:
        for who, sentences in talk.items():
            kitchen = halves[NOISE_HALF[part_of[who]]]
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

    for part in PARTS:
        names = PARTS[part]
        counts = ", ".join(str(len(talk[n])) for n in names)
        couples = ", ".join(f"{a}+{b}" for a, b in itertools.combinations(names, 2))
        half = "first" if NOISE_HALF[part] == 0 else "second"
        print(f"{part.capitalize()} part: voices {', '.join(names)} ({counts} sentences), couples {couples}, "
              f"each way round; the kitchen recording's {half} half. No voice of it is in the other part.")

    print("\nTune part: the sweep (the values are chosen here)\n")
    errors = table(talk, prints, "tune", {True: SWEEP_MARGIN, False: SWEEP_ALIKE})
    print("\nThe rule of choice, on the tune part: the smallest value with no false cut-in in any room "
          "and stretch.")
    for both, name, values, shipped in ((True, "voice_margin", SWEEP_MARGIN, SHIPPED.margin),
                                        (False, "alike from (same_above)", SWEEP_ALIKE, SHIPPED.same_above)):
        clean = [v for v in values if errors[(both, v)] == 0]
        if clean:
            pick = min(clean)
            verdict = "the shipped value" if pick == shipped else f"NOT the shipped value ({shipped:g})"
            print(f"  {name}: {pick:g}, {verdict}")
        else:
            print(f"  {name}: none of {', '.join(f'{v:g}' for v in values)} is free of false cut-ins "
                  f"(shipped {shipped:g})")

    print("\nHeld-out part: the shipped values and their neighbours (nothing is chosen here)\n")
    table(talk, prints, "held-out", {
        True: tuple(round(SHIPPED.margin + d, 3) for d in (-0.05, 0.0, 0.05)),
        False: tuple(round(SHIPPED.same_above + d, 3) for d in (-0.05, 0.0, 0.05)),
    })
    print(f"\n{time.perf_counter() - t0:.0f} s in all")


if __name__ == "__main__":
    main()
