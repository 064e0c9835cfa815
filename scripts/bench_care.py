"""How well the coach hears danger in a partner's words (voice_coach/coaching/care.py).

Six sets of sentences written for this, each labelled danger, near_miss or ordinary:
- scripts/data/care_tune.tsv: written beside the phrase set.
- scripts/data/care_blind_1.tsv ... care_blind_5.tsv: each written by a separate session that saw
  neither the phrases nor the other sets (3, 4 and 5 in December 2026; 4 and 5 asked for many ways
  of speaking and for euphemism). Each was held out once, for the phrases as they were then
  (docs/benchmarks.md, "Care", gives those first looks), and then tuned on. So every set below
  is now a tune set: a fresh blind set is needed for the next held-out figure.
Each sentence is read as text, and spoken by three espeak-ng voices and heard by the shipped
speech model (tiny.en, as the coach hears it). Prints the share of danger caught and of ordinary
and near-miss sentences flagged, per set and per form, and every held-out mistake.

    .venv/bin/python scripts/bench_care.py
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voice_coach.coaching.care import danger  # noqa: E402
from voice_coach.hearing.models import resolve_model  # noqa: E402
from voice_coach.settings import Settings  # noqa: E402

DATA = ROOT / "scripts" / "data"
SETS = {"tune": DATA / "care_tune.tsv", "blind 1 (tuned)": DATA / "care_blind_1.tsv",
        "blind 2 (tuned)": DATA / "care_blind_2.tsv", "blind 3 (tuned)": DATA / "care_blind_3.tsv",
        "blind 4 (tuned)": DATA / "care_blind_4.tsv", "blind 5 (tuned)": DATA / "care_blind_5.tsv"}
HELD_OUT: str | None = None  # the set whose mistakes are listed: none is held out now
VOICES = {"espeak en-GB RP (m)": "gmw/en-gb-x-rp", "espeak en f4 (f)": "gmw/en+f4",
          "espeak en-US (m)": "gmw/en-US"}


def rows(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as f:
        return [(r["label"], r["text"]) for r in csv.DictReader(f, delimiter="\t")]


def score(items: list[tuple[str, str]]) -> tuple[str, str]:
    """(danger caught, others flagged) as 'k/n (p%)' from (label, heard text) pairs."""
    flagged = [(label, danger(text) is not None) for label, text in items]
    hits = [f for label, f in flagged if label == "danger"]
    false = [f for label, f in flagged if label != "danger"]

    def share(xs: list[bool]) -> str:
        return f"{sum(xs)}/{len(xs)} ({100 * sum(xs) / max(len(xs), 1):.0f}%)"

    return share(hits), share(false)


def main() -> None:
    from faster_whisper import WhisperModel

    from voice_coach.speaking.voice import Voice

    s = Settings()
    model = WhisperModel(str(resolve_model(s.model, Path("/tmp/voice-coach-bench"))), device="cpu",
                         compute_type="int8", cpu_threads=2, local_files_only=True)
    print("| set | form | danger caught | ordinary + near miss flagged |")
    print("|---|---|---|---|")
    mistakes: list[str] = []
    started = time.time()
    for name, path in SETS.items():
        items = rows(path)
        caught, flagged = score(items)
        print(f"| {name} ({len(items)}) | text | {caught} | {flagged} |")
        for voice_name, voice_id in VOICES.items():
            voice = Voice(voice_id, s.voice_rate)
            heard = []
            for label, text in items:
                audio = voice.render(text).astype("float32") / 32768.0
                segments, _ = model.transcribe(audio, language=s.language, beam_size=1)
                words = " ".join(seg.text.strip() for seg in segments)
                heard.append((label, words))
                if name == HELD_OUT and (danger(words) is not None) != (label == "danger"):
                    mistakes.append(f"- {voice_name}, {label}: \"{text}\" heard as \"{words}\"")
            caught, flagged = score(heard)
            print(f"| {name} | spoken, {voice_name} | {caught} | {flagged} |")
        if name == HELD_OUT:
            for label, text in items:
                if (danger(text) is not None) != (label == "danger"):
                    mistakes.append(f"- text, {label}: \"{text}\"")
    print(f"\nHeld-out mistakes ({len(mistakes)}):")
    print("\n".join(mistakes))
    print(f"\n({time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
