"""Train the care classifier (voice_coach/coaching/care_model.py) on the labelled sets.

A logistic regression on MiniLM sentence vectors, trained on every sentence of bench_care.TUNED
both as written and as the coach hears it spoken by bench_care's four voices (tiny.en's
mishearings are what it reads in a session). Its L2 strength and threshold are chosen here,
leaving one set out over the tuned sets only, by a rule fixed beforehand: the most danger caught
by both readers (the phrases or the classifier, as the coach reads), as text and spoken together,
with at most 1% of ordinary and near-miss sentences flagged as text and at most 1% spoken. The
sets bench_care holds out are never read. A second head tells self-harm from harm by another,
trained on the written danger sentences whose kind the phrases name. Writes
voice_coach/coaching/care_head.json and prints the figures the choice was made on.

    .venv/bin/python scripts/train_care.py     # ~4 min once bench_care has heard the sets
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_care import MINILM, TUNED, VOICES, Hearing, rows  # noqa: E402

from voice_coach.coaching.care import SELF_HARM, danger  # noqa: E402
from voice_coach.coaching.care_model import HEAD  # noqa: E402
from voice_coach.coaching.sentence_encoder import SentenceEncoder, unpacked  # noqa: E402

LAMBDAS = (0.1, 0.3, 1.0, 3.0)
THRESHOLDS = (0.7, 0.8, 0.85, 0.9, 0.95)
MOST_FLAGGED = 0.01  # of ordinary and near-miss sentences, held out by set, as text and spoken
SELF_HARM_LAMBDA = 0.1


def fit(x: np.ndarray, y: np.ndarray, lam: float) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression by Newton's method (the bias is not shrunk)."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    shrink = lam * np.diag(np.r_[np.ones(xb.shape[1] - 1), 0.0])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-xb @ w))
        step = np.linalg.solve(xb.T @ (xb * (p * (1 - p))[:, None]) + shrink, xb.T @ (p - y) + shrink @ w)
        w -= step
        if np.abs(step).max() < 1e-7:
            break
    return w[:-1], float(w[-1])


def prob(head: tuple[np.ndarray, float], x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x @ head[0] + head[1])))


def main() -> None:
    encoder = SentenceEncoder(unpacked(MINILM))
    hearing = Hearing()
    texts, labels, groups, spoken = [], [], [], []
    for i, path in enumerate(TUNED.values()):
        items = rows(path)
        for form, said in hearing.forms([text for _, text in items]).items():
            for (label, _), text in zip(items, said, strict=True):
                texts.append(text)
                labels.append(label == "danger")
                groups.append(i)
                spoken.append(form != "text")
    x = np.array([encoder.embed(t) for t in texts])
    y, g, heard = np.array(labels, float), np.array(groups), np.array(spoken)
    found = [danger(t) for t in texts]  # what the phrases hear, and its kind
    by_phrases = np.array([k is not None for k in found])
    held = {lam: np.zeros(len(y)) for lam in LAMBDAS}  # each set's P(danger) from the others
    for lam in LAMBDAS:
        for i in range(len(TUNED)):
            held[lam][g == i] = prob(fit(x[g != i], y[g != i], lam), x[g == i])

    def counts(lam: float, threshold: float, form: np.ndarray, alone: bool = False) -> tuple[int, int]:
        said = held[lam] >= threshold if alone else (held[lam] >= threshold) | by_phrases
        return int((said & form & (y == 1)).sum()), int((said & form & (y == 0)).sum())

    as_text, as_spoken = ~heard, heard
    others = {"text": int((as_text & (y == 0)).sum()), "spoken": int((as_spoken & (y == 0)).sum())}
    dangers = {"text": int((as_text & (y == 1)).sum()), "spoken": int((as_spoken & (y == 1)).sum())}
    print(f"Both readers, each set held out in turn: caught / flagged as text ({dangers['text']} danger, "
          f"{others['text']} others) and spoken by four voices ({dangers['spoken']}, {others['spoken']})\n")
    print("| L2 strength | " + " | ".join(f"p >= {t}: text | spoken" for t in THRESHOLDS) + " |")
    print("|---" * (2 * len(THRESHOLDS) + 1) + "|")
    for lam in LAMBDAS:
        cells = ["{} / {} | {} / {}".format(*counts(lam, t, as_text), *counts(lam, t, as_spoken))
                 for t in THRESHOLDS]
        print(f"| {lam} | " + " | ".join(cells) + " |")
    allowed = [(lam, t) for lam in LAMBDAS for t in THRESHOLDS
               if counts(lam, t, as_text)[1] <= MOST_FLAGGED * others["text"]
               and counts(lam, t, as_spoken)[1] <= MOST_FLAGGED * others["spoken"]]
    lam, threshold = max(allowed, key=lambda c: (counts(*c, as_text)[0] + counts(*c, as_spoken)[0],
                                                 -counts(*c, as_text)[1] - counts(*c, as_spoken)[1]))
    print(f"\nChosen: L2 {lam}, threshold {threshold} (the most caught, text and spoken, with at most "
          f"{MOST_FLAGGED:.0%} flagged in each)\n")
    print("| held out | the classifier alone, text: caught | flagged | spoken: caught | flagged |")
    print("|---|---|---|---|---|")
    for i, name in enumerate(TUNED):
        cells = [counts(lam, threshold, form & (g == i), alone=True) for form in (as_text, as_spoken)]
        totals = [(int((form & (g == i) & (y == 1)).sum()), int((form & (g == i) & (y == 0)).sum()))
                  for form in (as_text, as_spoken)]
        both = [f"{c[0]}/{t[0]} | {c[1]}/{t[1]}" for c, t in zip(cells, totals, strict=True)]
        print(f"| {name} | " + " | ".join(both) + " |")

    head = fit(x, y, lam)
    kinds = [None if s else k for k, s in zip(found, spoken, strict=True)]
    known = np.array([bool(lab) and k is not None for lab, k in zip(labels, kinds, strict=True)])
    is_self = np.array([k == SELF_HARM for k, ok in zip(kinds, known, strict=True) if ok], float)
    self_harm = fit(x[known], is_self, SELF_HARM_LAMBDA)
    HEAD.write_text(json.dumps({
        "model": "all-MiniLM-L6-v2, mean pooled (voice_coach/coaching/sentence_encoder.py)",
        "trained_on": [str(p.relative_to(ROOT)) for p in TUNED.values()],
        "forms": "as written, and as tiny.en heard them spoken by " + ", ".join(VOICES),
        "by": "scripts/train_care.py", "lambda": lam, "threshold": threshold,
        "danger": {"weights": [round(float(v), 6) for v in head[0]], "bias": round(head[1], 6)},
        "self_harm": {"weights": [round(float(v), 6) for v in self_harm[0]], "bias": round(self_harm[1], 6)},
    }, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {HEAD.relative_to(ROOT)}: {len(texts)} sentences ({int(as_text.sum())} written, the rest "
          f"heard), {int(y.sum())} danger; self-harm head on {int(known.sum())} written danger sentences "
          "of known kind")


if __name__ == "__main__":
    main()
