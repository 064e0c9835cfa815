"""Whose voice is this? Tells the partner the protocol expects from the other one, so that a
partner who cuts in on the other's turn can be noticed.

Each partner's voice is learnt during the session from the speech the protocol gave them (nothing
is enrolled beforehand, nothing is kept afterwards). A stretch of speech counts as the other
partner only when it is clearly more like the other's voice than the expected one's (or, before
the expected partner has been heard, very like the other's): a missed cut-in costs little, a
false one makes the coach scold someone for nothing. So the first stretch the protocol gives a
partner is taken as theirs unless it is very like the other's voice.

Pure: voiceprints (unit vectors, see voiceprint.py) in, names out; no model, no clock. The
thresholds come from scripts/bench_voices.py (docs/benchmarks.md, "Whose voice").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class VoiceParams:
    min_secs: float = 1.0  # shorter speech ("yes", "mm") says too little about the voice
    margin: float = 0.1  # the other partner's voice must be this much more alike
    same_above: float = 0.5  # before the expected partner has been heard: this alike is the other
    remember: int = 8  # stretches averaged into a partner's voice


class WhoseVoice:
    def __init__(self, partners: tuple[str, str], params: VoiceParams | None = None) -> None:
        self.p = params or VoiceParams()
        self.partners = partners
        self._heard: dict[str, list[np.ndarray]] = {name: [] for name in partners}

    def known(self, name: str) -> bool:
        return bool(self._heard.get(name))

    def likeness(self, name: str, vector: np.ndarray) -> float | None:
        """Cosine similarity of `vector` to what is known of `name`'s voice."""
        heard = self._heard[name]
        if not heard:
            return None
        mean = np.mean(heard, axis=0)
        return float(vector @ mean / (np.linalg.norm(mean) + 1e-9))

    def heard(self, expected: str, vector: np.ndarray, secs: float) -> str | None:
        """Who spoke this stretch of `secs` seconds, which the protocol gave to `expected`
        (`expected`, the other partner, or None when too short to tell); their voice learns it."""
        if expected not in self._heard or secs < self.p.min_secs:
            return None
        who = self.judge(expected, vector)
        self.learn(who, vector)
        return who

    def judge(self, expected: str, vector: np.ndarray) -> str:
        """Whose voice `vector` is, the protocol expecting `expected`, from what is known so far."""
        other = self.partners[1] if expected == self.partners[0] else self.partners[0]
        mine, theirs = self.likeness(expected, vector), self.likeness(other, vector)
        if mine is None:
            return other if theirs is not None and theirs >= self.p.same_above else expected
        if theirs is None:
            return expected
        return other if theirs - mine >= self.p.margin else expected

    def learn(self, name: str, vector: np.ndarray) -> None:
        heard = self._heard[name]
        heard.append(vector)
        del heard[: -self.p.remember]
