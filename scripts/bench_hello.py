#!/usr/bin/env python
"""Only the couple (issue 14): could a spoken hello tell the partners from other voices?

    .venv/bin/python scripts/bench_hello.py

Before building a gate that ignores every voice but the partners', this measures whether the
shipped voiceprint (voiceprint.py: Resemblyzer's GE2E encoder) can tell them apart well enough.
The voices are real people talking (scripts/conversations.py; tune and held-out halves split by
speaker group, as bench_conversation.py). Each speaker heard in three or more turns of 1 s or
more is a partner: their hello is their first turn (or the mean of their first two), at most the
last 3 s of it, as the loop hears a turn; their later turns must be accepted. Every turn of a
speaker from another group is another voice, which must not be.

The threshold (cosine similarity to the nearest partner's hello below which a turn is another
voice) is chosen on the tune half as the highest that keeps 98% of partner turns; the held-out
half is scored with it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_conversation as bc  # noqa: E402
from conversations import Recording, load_conversations, split  # noqa: E402

from voice_coach.hearing.voiceprint import Voiceprints  # noqa: E402

KEEP = 0.98  # partner turns the gate must accept (the target)
HEARD_SECS = 3.0  # the loop's voiceprint hears the last 3 s of a stretch (hearing/who_spoke.VOICE_SECS)


def prints(enc: Voiceprints, recs: list[Recording]) -> dict[str, list[np.ndarray]]:
    """Each speaker's turn voiceprints, in order, keyed by group/speaker."""
    out: dict[str, list[np.ndarray]] = {}
    for rec in recs:
        for who, a, b in bc.speaker_turns(rec):
            clip = rec.audio[int(max(a, b - HEARD_SECS) * 16000): int(b * 16000)]
            out.setdefault(f"{rec.group or rec.name}/{who}", []).append(enc.embed(clip))
    return {k: v for k, v in out.items() if len(v) >= 3}


def scores(spk: dict[str, list[np.ndarray]], hello_turns: int) -> tuple[np.ndarray, np.ndarray]:
    """(partner turns' likeness to their own hello, other voices' likeness to each hello)."""
    same, other = [], []
    for k, vs in spk.items():
        hello = np.mean(vs[:hello_turns], axis=0)
        hello /= np.linalg.norm(hello)
        same += [float(v @ hello) for v in vs[hello_turns:]]
        others = [vs2 for k2, vs2 in spk.items() if k2.split("/")[0] != k.split("/")[0]]
        other += [float(v @ hello) for vs2 in others for v in vs2]
    return np.array(same), np.array(other)


def main() -> None:
    enc = Voiceprints()
    tune, held = split(load_conversations())
    halves = {name: prints(enc, [r for r in recs if r.turns])
              for name, recs in (("tune", tune), ("held-out", held))}
    print("| hello | half | speakers | partner turns | other-voice turns | threshold | partners kept | "
          "other voices let in |")
    print("|---|---|---|---|---|---|---|---|")
    for hello_turns in (1, 2):
        same, _ = scores(halves["tune"], hello_turns)
        threshold = float(np.quantile(same, 1 - KEEP))
        for half, spk in halves.items():
            same, other = scores(spk, hello_turns)
            kept, let_in = np.mean(same >= threshold), np.mean(other >= threshold)
            print(f"| {'first turn' if hello_turns == 1 else 'first two turns'} | {half} | {len(spk)} | "
                  f"{len(same)} | {len(other)} | {threshold:.3f} | {100 * kept:.0f}% | {100 * let_in:.0f}% |")


if __name__ == "__main__":
    main()
