#!/usr/bin/env python
"""Smart Turn's 8-bit model on this processor: onnxruntime's fast kernels against its exact ones.

    .venv/bin/python scripts/bench_smart_turn_kernels.py

Why: on x86 processors without VNNI (AVX2 alone) onnxruntime's u8 x s8 products can saturate,
so the same audio got another probability on another machine, and the turn-taking figures moved
with the machine. The shipped session asks for the exact u8 x u8 kernels
(`smart_turn.PRECISE_INT8`). This runs both on every 16 kHz recording of ../shared/data/speech,
whole (a finished sentence, 0.2 s of silence after it, as the turn detector asks) and cut at its
middle (mostly unfinished), and prints how far apart they are and how well each tells the two
apart. On a processor with VNNI the two sessions run the same kernels and agree. Writes nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests"), str(ROOT)]

from recordings import shared_data  # noqa: E402

from voice_coach.hearing.audio_source import load_audio  # noqa: E402
from voice_coach.hearing.smart_turn import PRECISE_INT8, SmartTurn  # noqa: E402

TAIL = np.zeros(3200, dtype=np.int16)


def fast_session() -> SmartTurn:
    """Smart Turn as shipped but for the exact kernels: onnxruntime's default."""
    import onnxruntime

    shipped = onnxruntime.SessionOptions

    class Default(shipped):  # type: ignore[misc, valid-type]
        def add_session_config_entry(self, key: str, value: str) -> None:
            if key != PRECISE_INT8:
                super().add_session_config_entry(key, value)

    onnxruntime.SessionOptions = Default
    try:
        return SmartTurn()
    finally:
        onnxruntime.SessionOptions = shipped


def auc(ends: np.ndarray, cuts: np.ndarray) -> float:
    """How often a whole sentence scores above a cut one (ties count half)."""
    diff = ends[:, None] - cuts[None, :]
    return float(np.mean(diff > 0) + 0.5 * np.mean(diff == 0))


def main() -> None:
    t0 = time.perf_counter()
    exact, fast = SmartTurn(), fast_session()
    clips = [load_audio(p) for p in sorted((shared_data() / "speech").rglob("*.wav"))]
    scores: dict[str, dict[str, list[float]]] = {"exact": {"whole": [], "cut": []},
                                                 "fast": {"whole": [], "cut": []}}
    times = {"exact": 0.0, "fast": 0.0}
    for clip in clips:
        for kind, audio in (("whole", np.concatenate([clip, TAIL])),
                            ("cut", np.concatenate([clip[: len(clip) // 2], TAIL]))):
            for name, model in (("exact", exact), ("fast", fast)):
                t = time.perf_counter()
                scores[name][kind].append(model.probability(audio))
                times[name] += time.perf_counter() - t
    n = 2 * len(clips)
    gap = np.abs(np.array(scores["exact"]["whole"] + scores["exact"]["cut"])
                 - np.array(scores["fast"]["whole"] + scores["fast"]["cut"]))
    print(f"{len(clips)} recordings of ../shared/data/speech, each whole and cut at its middle: "
          f"{n} judgements\n")
    print("| kernels | mean p, whole | mean p, cut | whole above cut (AUC) | time a call |")
    print("|---|---|---|---|---|")
    for name in ("exact", "fast"):
        whole, cut = np.array(scores[name]["whole"]), np.array(scores[name]["cut"])
        label = "exact u8 x u8 (shipped)" if name == "exact" else "onnxruntime's default"
        print(f"| {label} | {whole.mean():.3f} | {cut.mean():.3f} | {auc(whole, cut):.3f} | "
              f"{1000 * times[name] / n:.0f} ms |")
    print(f"\nThe two apart: mean {gap.mean():.3f}, largest {gap.max():.3f}; "
          f"{int(np.sum(gap > 0.2))} of {n} judgements more than 0.2 apart"
          + ("" if gap.max() > 0 else " (the same kernels: this processor has VNNI)"))
    print(f"\n({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
