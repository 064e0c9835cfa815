#!/usr/bin/env python
"""Heated moments (voice_coach/coaching/heat.py): each sign, and the break, on real conversation.

    .venv/bin/python scripts/bench_heat.py

The turns are real people talking (scripts/conversations.py: AMI meetings, a telephone call,
city-council members), split by speaker group into the same tune and held-out halves as
bench_conversation.py. The thresholds in HeatParams were set from the issue's figures (6 dB, a
quarter faster) before anything was measured, and have not been changed since; both halves are
printed, the tune half first.

1. Calm: every speaker turn of every recording in order, as the coach would hear it (its speech
   level, its pace from Whisper's words, the words themselves), each speaker learnt afresh per
   group of recordings (the same people: one session). Overlaps are where the annotation has a
   speaker start while another speaks. A meeting of four overlaps far more than a couple in the
   dialogue, whose overlaps the loop counts only as interruptions, so the figure is given with
   and without them. Breaks offered per ten minutes, and the signs seen.
2. Constructed: each turn of a speaker heard at least three times, their level and pace learnt
   from (up to three of) their other turns; the turn raised by 6, 9 and 12 dB, and sped up by
   1.15, 1.25 and 1.4 (fewer seconds for the same words, as a racing partner's), and as it is:
   the share in which the sign is heard.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_conversation as bc  # noqa: E402
import bench_turns as bt  # noqa: E402
from conversations import Recording, load_conversations, split  # noqa: E402

from voice_coach.coaching.heat import FAST, LOUD, Heat, HeatParams, speech_level_db  # noqa: E402

OVERLAP_SECS = 0.3  # a start this far inside another's speech is talking at once, not a handover


def turns(recs: list[Recording]) -> list[tuple[Recording, str, float, float, str, float]]:
    """(recording, speaker, start, end, words, level) of every turn, in each recording's order."""
    clips, rows = {}, []
    for rec in recs:
        for k, (speaker, a, b) in enumerate(bc.speaker_turns(rec)):
            a = max(a, b - bc.LAST_SECS)
            name = f"{rec.name}#{k}"
            clips[name] = rec.audio[int(a * 16000): int(b * 16000)]
            rows.append((rec, speaker, a, b, name))
    words = bt.words_of(clips)
    return [(rec, who, a, b, " ".join(w for w, _, _ in words[name]), speech_level_db(clips[name]))
            for rec, who, a, b, name in rows]


def overlaps(rec: Recording) -> list[float]:
    return sorted(t.start for t in rec.turns for o in rec.turns if o.speaker != t.speaker
                  and o.start < t.start - OVERLAP_SECS and t.start < o.end - OVERLAP_SECS)


def _group(rec: Recording) -> str:
    return rec.group or rec.name


def calm(recs: list[Recording], rows: list, with_overlaps: bool,
         params: HeatParams | None = None) -> tuple[float, int, dict[str, int]]:
    """Each group of recordings (the same people) heard as one session, recording after recording."""
    minutes, offers, seen = 0.0, 0, {}
    for group in dict.fromkeys(_group(r) for r in recs):
        heat, events, offset = Heat(params), [], 0.0
        for rec in (r for r in recs if _group(r) == group):
            minutes += rec.seconds / 60
            events += [(offset + b, "turn", (who, b - a, level, words))
                       for r, who, a, b, words, level in rows if r is rec]
            if with_overlaps:
                events += [(offset + t, "overlap", ()) for t in overlaps(rec)]
            offset += rec.seconds
        for t, kind, args in sorted(events, key=lambda e: e[0]):
            signs = heat.turn(t, *args) if kind == "turn" else [heat.overlap(t)]
            for s in signs:
                seen[s.kind] = seen.get(s.kind, 0) + 1
            offers += heat.break_due(t) is not None
    return minutes, offers, seen


def constructed(rows: list, params: HeatParams | None = None) -> dict[str, tuple[int, int]]:
    """Per variant, (turns whose sign was heard, turns tried)."""
    p = params or HeatParams()
    out: dict[str, list[int]] = {}
    by_speaker: dict[tuple[str, str], list] = {}
    for rec, who, a, b, words, level in rows:
        if b - a >= p.min_secs and words.strip():
            by_speaker.setdefault((_group(rec), who), []).append((b - a, level, words))
    for items in by_speaker.values():
        if len(items) < 3:
            continue
        for k, (secs, level, words) in enumerate(items):
            heat = Heat(replace(p, learn_turns=min(p.learn_turns, len(items) - 1)))
            for i, (s2, l2, w2) in enumerate((items[:k] + items[k + 1:])[: p.learn_turns]):
                heat.turn(i, "x", s2, l2, w2)
            variants = [("as spoken", secs, level, None)]
            variants += [(f"+{db} dB", secs, level + db, LOUD) for db in (6, 9, 12)]
            variants += [(f"x{f} faster", secs / f, level, FAST) for f in (1.15, 1.25, 1.4)]
            for name, s, lv, want in variants:
                kinds = {x.kind for x in copy.deepcopy(heat).turn(100.0, "x", s, lv, words)}
                hit = bool(kinds & {LOUD, FAST}) if want is None else want in kinds
                row = out.setdefault(name, [0, 0])
                row[0] += hit
                row[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


GRID = [HeatParams(louder_db=db, faster=f, min_wpm=w)
        for db in (6.0, 8.0, 10.0) for f in (1.25, 1.4) for w in (170.0, 200.0)]


def sweep(recs: list[Recording]) -> None:
    """The tune half only: calm breaks (with overlaps) against signs heard at +9 dB and x1.25."""
    recs = [r for r in recs if r.turns]
    rows = turns(recs)
    print("| louder_db | faster | min_wpm | calm breaks / 10 min | false sign | +9 dB | x1.25 | x1.4 |")
    print("|---|---|---|---|---|---|---|---|")
    for p in GRID:
        minutes, offers, _ = calm(recs, rows, True, p)
        c = {k: f"{100 * hit / max(n, 1):.0f}%" for k, (hit, n) in constructed(rows, p).items()}
        print(f"| {p.louder_db:g} | {p.faster:g} | {p.min_wpm:g} | {10 * offers / minutes:.2f} | "
              f"{c['as spoken']} | {c['+9 dB']} | {c['x1.25 faster']} | {c['x1.4 faster']} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep", action="store_true", help="compare thresholds on the tune half only")
    args = parser.parse_args()
    started = time.time()
    tune, held = split(load_conversations())
    if args.sweep:
        sweep(tune)
        return
    for half, recs in (("tune", tune), ("held-out", held)):
        recs = [r for r in recs if r.turns]
        rows = turns(recs)
        print(f"\n## {half}: {len(rows)} turns\n")
        print("| calm real conversation | minutes | breaks offered | per 10 min | signs seen |")
        print("|---|---|---|---|---|")
        for label, with_overlaps in (("without overlaps", False), ("with the annotation's overlaps", True)):
            minutes, offers, seen = calm(recs, rows, with_overlaps)
            signs = ", ".join(f"{k} {v}" for k, v in sorted(seen.items())) or "none"
            print(f"| {label} | {minutes:.1f} | {offers} | {10 * offers / minutes:.2f} | {signs} |")
        print("\n| each later turn | sign heard |\n|---|---|")
        for name, (hit, n) in constructed(rows).items():
            what = "louder or faster (a false sign)" if name == "as spoken" else name
            print(f"| {what} | {hit}/{n} ({100 * hit / max(n, 1):.0f}%) |")
    print(f"\n({time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
