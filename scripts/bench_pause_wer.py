"""Does Whisper keep what a partner says after a long pause inside a piece?

A piece the loop transcribes can hold a search for words of a second or more. Without timestamps,
tiny.en often ends its output at such a pause and drops the rest. This prints the word error rate
of the recordings in ../shared/data alone, and of pairs of them joined by a 1.0, 1.6 or 2.4 s
pause, with and without timestamps, and with the long pauses squeezed to 0.5 s. Then the short
answers the coach waits for ("yes", "that's all"), which hold no long pause, spoken by two espeak-ng
voices: are they quicker to transcribe without timestamps, and as well heard?

    .venv/bin/python scripts/bench_pause_wer.py      # about 3 minutes on 2 cores
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import jiwer
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voice_coach.hearing.audio_source import load_audio  # noqa: E402
from voice_coach.hearing.models import resolve_model  # noqa: E402
from voice_coach.text import plain  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
PAUSES = (1.0, 1.6, 2.4)
ANSWERS = ("Yes.", "No.", "Partly.", "Yes, you got it.", "No, that's all.", "Yes, there's more.",
           "That's all.", "Not quite.", "Yes, I think so.", "No, there is more.")
VOICES = ("gmw/en-gb-x-rp", "gmw/en-us+f4")


def squeeze(x: np.ndarray, keep_secs: float = 0.5) -> np.ndarray:
    """Shorten every silence (40 dB below the loudest 30 ms) to `keep_secs`."""
    frames = x[: len(x) // 480 * 480].reshape(-1, 480).astype(np.float32)
    level = np.sqrt((frames**2).mean(1))
    quiet = level < level.max() * 10 ** (-40 / 20)
    keep, run = [], 0
    for i, q in enumerate(quiet):
        run = run + 1 if q else 0
        if run <= keep_secs / 0.03:
            keep.append(i)
    return frames[keep].reshape(-1).astype(np.int16)


def main() -> None:
    from faster_whisper import WhisperModel

    model_dir = resolve_model("tiny.en", Path("/tmp/voice-coach-bench"))
    model = WhisperModel(
        str(model_dir), device="cpu", compute_type="int8", cpu_threads=2, local_files_only=True
    )
    with open(DATA / "refs.tsv", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f, delimiter="\t") if r and (DATA / r[0]).is_file()]
    items = [(load_audio(DATA / r[0]), r[2]) for r in rows]
    pairs = []
    for i, (a, ta) in enumerate(items):
        b, tb = items[(i + 1) % len(items)]
        for p in PAUSES:
            gap = np.zeros(int(p * 16000), np.int16)
            pairs.append((np.concatenate([np.zeros(4800, np.int16), a, gap, b]), f"{ta} {tb}"))

    Cases = list[tuple[np.ndarray, str]]

    def wer(cases: Cases, timestamps: bool, squeezed: bool = False) -> tuple[float, float]:
        refs, hyps, t0 = [], [], time.perf_counter()
        for x, ref in cases:
            x = squeeze(x) if squeezed else x
            segments, _ = model.transcribe(
                x.astype(np.float32) / 32768.0, language="en", beam_size=1, vad_filter=False,
                condition_on_previous_text=False, without_timestamps=not timestamps,
            )
            refs.append(plain(ref))
            hyps.append(plain(" ".join(s.text.strip() for s in segments)) or "<empty>")
        return float(jiwer.wer(refs, hyps)), (time.perf_counter() - t0) / len(cases)

    print(f"{len(items)} recordings; {len(pairs)} pairs joined by pauses of {PAUSES} s\n")
    print("| transcription | WER alone | WER pairs | s per call (pairs) |")
    print("|---|---|---|---|")
    for label, ts, sq in (("without timestamps", False, False), ("with timestamps", True, False),
                          ("without timestamps, pauses squeezed", False, True),
                          ("with timestamps, pauses squeezed", True, True)):
        alone = wer(items, ts, sq)[0]
        both, secs = wer(pairs, ts, sq)
        print(f"| {label} | {alone:.1%} | {both:.1%} | {secs:.2f} |")

    from voice_coach.hearing.transcriber import TIMESTAMPS_FROM
    from voice_coach.speaking.voice import Voice

    answers = [(Voice(v, 165).render(a), a) for v in VOICES for a in ANSWERS]
    longest = max(len(x) for x, _ in answers) / 16000
    print(f"\n{len(answers)} short answers ({len(ANSWERS)} by {len(VOICES)} espeak-ng voices, "
          f"{longest:.1f} s at most; transcriber.py uses timestamps from {TIMESTAMPS_FROM:g} s)\n")
    print("| transcription | WER | s per call |")
    print("|---|---|---|")
    for label, ts in (("without timestamps (shipped for these)", False), ("with timestamps", True)):
        wer(answers[:2], ts)  # warm up
        rate, secs = wer(answers, ts)
        print(f"| {label} | {rate:.1%} | {secs:.2f} |")


if __name__ == "__main__":
    main()
