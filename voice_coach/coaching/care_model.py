"""The second reader of danger: a small classifier on the sentence's meaning, beside the phrases.

The phrases of care.py catch what they foresaw and almost never flag a near miss; told in words
nobody wrote a phrase for ("I sleep in the car some nights so he can't get at me"), danger slips
past them (a first look at each blind set caught 68-80%). A logistic regression on MiniLM sentence
vectors (sentence_encoder.py), trained on the labelled sets by scripts/train_care.py, reads the
meaning instead; its threshold keeps near misses out (docs/benchmarks.md, "Care"). A second head
tells thoughts of self-harm from harm by another, so the right care message is said.

The weights are `care_head.json` beside this file: 2 x 385 numbers, readable, and retrained by
the script whenever the sets change.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..errors import UserError
from .care import SELF_HARM, VIOLENCE
from .sentence_encoder import SentenceEncoder, unpacked

HEAD = Path(__file__).with_name("care_head.json")


class CareHead:
    """The trained weights: P(danger) and P(self-harm | danger) from a sentence vector."""

    def __init__(self, path: Path = HEAD) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            self.threshold = float(data["threshold"])
            self._danger = self._read(data["danger"])
            self._self = self._read(data["self_harm"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise UserError(f"cannot read the care classifier {path}: {e}") from None

    @staticmethod
    def _read(head: dict) -> tuple[np.ndarray, float]:
        return np.asarray(head["weights"], np.float32), float(head["bias"])

    @staticmethod
    def _p(head: tuple[np.ndarray, float], v: np.ndarray) -> float:
        return float(1.0 / (1.0 + np.exp(-(float(v @ head[0]) + head[1]))))

    def judge(self, vector: np.ndarray) -> tuple[float, str]:
        """(how likely the words tell of danger, which kind if they do)."""
        kind = SELF_HARM if self._p(self._self, vector) >= 0.5 else VIOLENCE
        return self._p(self._danger, vector), kind


class CareModel:
    """Text in, (probability of danger, kind) out; `threshold` is where the head was set to speak.
    A turn's words are read again as each piece arrives, so recent answers are remembered."""

    REMEMBER = 64

    def __init__(self, encoder: SentenceEncoder, head: CareHead | None = None) -> None:
        self._encoder = encoder
        self._head = head or CareHead()
        self.threshold = self._head.threshold
        self._recent: dict[str, tuple[float, str]] = {}

    def judge(self, text: str) -> tuple[float, str]:
        found = self._recent.get(text)
        if found is None:
            found = self._recent[text] = self._head.judge(self._encoder.embed(text))
            if len(self._recent) > self.REMEMBER:
                del self._recent[next(iter(self._recent))]
        return found


def load_care_model(cache: Path, head: CareHead | None = None) -> CareModel:
    """The classifier, its sentence model unpacked into `cache` on first use."""
    return CareModel(SentenceEncoder(unpacked(cache)), head)
