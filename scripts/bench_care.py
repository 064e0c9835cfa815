"""How well the coach hears danger in a partner's words (voice_coach/coaching/care.py).

Sixteen sets of sentences written for this, each labelled danger, near_miss or ordinary:
- scripts/data/care_tune.tsv: written beside the phrase set.
- scripts/data/care_blind_1.tsv ... care_blind_8.tsv: each written by a separate session that saw
  neither the phrases nor the other sets (3-8 in December 2026; 4-6 asked for many ways of
  speaking and for euphemism; 7 and 8 for answers to the frustration stems, most of them fears
  that are not danger). Sets 1-5 were each held out once, for the phrases as they were then
  (docs/benchmarks.md, "Care", gives those first looks), and then tuned on; the meaning classifier
  (care_model.py, scripts/train_care.py) was first trained on them and on 7. Blinds 8 and 6 were
  held out until 2026-12-06 (6 was looked at once, for the classifier before 7 was written).
- scripts/data/care_blind_9.tsv and care_blind_10.tsv: each written on 2026-12-06 by a helper
  session that saw no code and no other set. Blind 9 was measured once untuned (commit 96797c3);
  then the phrases were tuned on the held-out mistakes of blinds 6, 8 and 9 (the classifier was
  not retrained), so those three are tuned sets for the phrases now. Blind 10, written before
  that round, was held out for it (78% caught as text); then the phrases were tuned once more on
  its mistakes (2026-12-06, later), so it is a tuned set for the phrases too.
- scripts/data/care_blind_11.tsv: written on 2026-12-06 by a helper session that saw no code and
  no other set, before the blind-10 round, and never read before its figures: held out for that
  round (84% caught as text); then the phrases were tuned on its mistakes (2026-12-07), so it is a
  tuned set for the phrases too.
- scripts/data/care_blind_12.tsv: written on 2026-12-07 by a helper session that saw no code, no
  data and no other set, before the blind-11 round, and never read before its figures: held out
  for that round (58% caught as text); then the phrases were tuned on its mistakes (2026-12-07,
  later), so it is a tuned set for the phrases too.
- scripts/data/care_blind_13.tsv: written on 2026-12-07 by a helper session that saw no code, no
  data and no other set, before the blind-12 round, and never read before its figures: held out
  for that round (58% caught as text); then the phrases were tuned on its mistakes (2026-12-07,
  later), so it is a tuned set for the phrases too.
- scripts/data/care_blind_14.tsv: written on 2026-12-07 by a helper session that saw no code, no
  data and no other set, before the blind-13 round, and never read before its figures: held out
  from both rounds of 2026-12-07 and from the classifier's retraining (its first figures and its
  mistakes were read then; nothing was chosen on them).
- scripts/data/care_blind_15.tsv: written on 2026-12-07 by a helper session that saw no code, no
  data and no other set, before the classifier was retrained on blinds 6 and 8-13, and never read:
  held out (`--sets "blind 15 (held out)"`), its first look taken with the classifier as it was.
On 2026-12-07 the classifier was retrained on every set but blinds 14 and 15 (`TUNED`); the
phrases were tuned on the same sets.
Each sentence is read as text, and spoken by three espeak-ng voices and the Piper voice and heard
by the shipped speech model (tiny.en, as the coach hears it). For each set and form: the share of
danger caught and of ordinary and near-miss sentences flagged, by the phrases alone, by the
meaning classifier alone, and by both as the coach reads (either); and every held-out mistake.
What was heard is kept in ~/.cache/voice-coach-bench/care_heard.json (keyed by model, voice and
text; Piper renders differently each time, so its first rendering is kept).

    .venv/bin/python scripts/bench_care.py        # ~20 min cold, a minute once heard
    .venv/bin/python scripts/bench_care.py --sets "blind 14 (held out)"   # one set alone
    .venv/bin/python scripts/bench_care.py --text-only   # every set as written (seconds)
"""

from __future__ import annotations

import csv
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voice_coach.coaching.care import by_meaning, danger  # noqa: E402
from voice_coach.hearing.models import resolve_model  # noqa: E402
from voice_coach.settings import Settings  # noqa: E402

DATA = ROOT / "scripts" / "data"
# The classifier is trained on these (scripts/train_care.py) and the phrases were tuned on them.
# Blinds 6 and 8-13 joined the classifier's training on 2026-12-07 (before, the phrases alone had
# been tuned on them).
TUNED = {"tune": DATA / "care_tune.tsv", **{f"blind {n} (tuned)": DATA / f"care_blind_{n}.tsv"
                                            for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13)}}
HELD_OUT = {"blind 15 (held out)": DATA / "care_blind_15.tsv",  # the figures that matter
            "blind 14 (held out)": DATA / "care_blind_14.tsv"}
SETS = {**HELD_OUT, **TUNED}
VOICES = {"espeak en-GB RP (m)": "gmw/en-gb-x-rp", "espeak en f4 (f)": "gmw/en+f4",
          "espeak en-US (m)": "gmw/en-us", "Piper joe (m)": "en_US-joe-medium"}
HEARD = Path.home() / ".cache" / "voice-coach-bench" / "care_heard.json"
MINILM = Path.home() / ".cache" / "voice-coach-bench" / "all-MiniLM-L6-v2"  # the sentence model, unpacked


def rows(path: Path) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8") as f:
        return [(r["label"], r["text"]) for r in csv.DictReader(f, delimiter="\t")]


def share(xs: list[bool]) -> str:
    return f"{sum(xs)}/{len(xs)} ({100 * sum(xs) / max(len(xs), 1):.0f}%)"


class Hearing:
    """Each sentence as text and as the coach hears it spoken by each of VOICES (tiny.en, as
    shipped); what was heard is kept in HEARD, so a second run renders nothing."""

    def __init__(self) -> None:
        self.settings = Settings()
        self.model_dir = resolve_model(self.settings.model, Path("/tmp/voice-coach-bench"))
        self.heard: dict[str, str] = json.loads(HEARD.read_text()) if HEARD.exists() else {}
        self._model: Any = None  # the speech model and the voices, loaded only to hear something new
        self._voices: dict[str, Any] = {}

    def forms(self, texts: list[str]) -> dict[str, list[str]]:
        """{"text": texts, "spoken, <voice>": what was heard, in the same order}"""
        out = {"text": list(texts)}
        for voice_name, voice_id in VOICES.items():
            known = len(self.heard)
            out[f"spoken, {voice_name}"] = [self._hear(voice_id, t) for t in texts]
            if len(self.heard) > known:  # kept after each voice, so an interrupted run loses little
                HEARD.parent.mkdir(parents=True, exist_ok=True)
                HEARD.write_text(json.dumps(self.heard))
        return out

    def _hear(self, voice_id: str, text: str) -> str:
        s = self.settings
        key = f"{self.model_dir.name}|{voice_id}|{s.voice_rate}|{text}"
        if key not in self.heard:
            from faster_whisper import WhisperModel

            from voice_coach.speaking.voice import Voice

            if self._model is None:
                self._model = WhisperModel(str(self.model_dir), device="cpu", compute_type="int8",
                                           cpu_threads=2, local_files_only=True)
            if voice_id not in self._voices:
                self._voices[voice_id] = Voice(voice_id, s.voice_rate)
            audio = self._voices[voice_id].render(text).astype("float32") / 32768.0
            segments, _ = self._model.transcribe(audio, language=s.language, beam_size=1)
            self.heard[key] = " ".join(seg.text.strip() for seg in segments)
        return self.heard[key]


def main() -> None:
    import argparse

    from voice_coach.coaching.care_model import load_care_model

    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", nargs="+", choices=list(SETS), default=list(SETS), help="the sets to measure")
    ap.add_argument("--text-only", action="store_true", help="each sentence as written, nothing spoken")
    args = ap.parse_args()
    chosen = args.sets

    meaning = load_care_model(MINILM)
    hearing = Hearing()

    def flags(text: str) -> tuple[bool, bool]:
        """(by the phrases, by the meaning classifier), each as the coach reads"""
        return danger(text) is not None, by_meaning(text, meaning) is not None

    print("| set | form | phrases: danger caught | others flagged | meaning: caught | flagged "
          "| **both (shipped): caught** | **flagged** |")
    print("|---|---|---|---|---|---|---|---|")
    mistakes: list[str] = []
    started = time.time()
    for name, path in SETS.items():
        if name not in chosen:
            continue
        items = rows(path)
        texts = [text for _, text in items]
        forms = {"text": texts} if args.text_only else hearing.forms(texts)
        for form, texts in forms.items():
            judged = [(label, *flags(t), t, orig) for (label, orig), t in zip(items, texts, strict=True)]
            cells = []
            for pick in (lambda a, b: a, lambda a, b: b, lambda a, b: a or b):
                cells.append(share([pick(a, b) for label, a, b, _, _ in judged if label == "danger"]))
                cells.append(share([pick(a, b) for label, a, b, _, _ in judged if label != "danger"]))
            label_n = f"{name} ({len(items)})" if form == "text" else name
            row = f"| {label_n} | {form} | {' | '.join(cells[:4])} | **{cells[4]}** | **{cells[5]}** |"
            print(row, flush=True)
            if name in HELD_OUT:
                for label, a, b, t, orig in judged:
                    if (a or b) != (label == "danger"):
                        how = "" if form == "text" else f" heard as \"{t}\""
                        mistakes.append(f"- {name.split(' (')[0]}, {form}, {label}: \"{orig}\"{how}")
    print(f"\nHeld-out mistakes, both readers ({len(mistakes)}):")
    print("\n".join(mistakes))
    print(f"\n({time.time() - started:.0f} s)")


if __name__ == "__main__":
    main()
