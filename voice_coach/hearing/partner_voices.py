"""Only the couple counts (issue 14): each partner's hello, and whether later speech is one of them.

A television, a radio, children or a visitor are speech to the speech detector, and the protocol
would take them for the partner whose turn it is. So each partner says hello at the start, and a
turn is the couple's only if its voice is like one of the hellos. Speech far quieter than both
partners' hellos (a TV across the room) is another voice too, however alike it sounds.

A partner wrongly taken for another voice is ignored, which is worse than a TV let in (the coach
then waits while they speak), so the threshold is chosen to keep 98% of partner turns
(scripts/bench_hello.py, tune half; docs/benchmarks.md, "Only the couple"), and a turn too short
to tell a voice from is always taken as the couple's.

Pure: voiceprints (unit vectors, voiceprint.py) and levels (dBFS) in, verdicts out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class HelloParams:
    min_secs: float = 1.5  # a hello shorter than this ("Hi, I'm Sam") says too little of a voice: asked again
    like_above: float = 0.18  # this alike to a partner's hello is them (bench_hello's rule, tune half)
    quieter_db: float = 15.0  # this far below the quieter partner's hello is across the room
    tell_secs: float = 1.0  # speech shorter than this is never judged: taken as the couple's
    # A hello of a whole sentence (protocol.HELLO_WORDS) is answered after this much silence: the
    # coach needs a voice, not a finished thought; a second sentence after a longer pause is heard
    # over the next cue and taken back (TakeBack), like an answer given too soon.
    end_after: float = 1.0


@dataclass(frozen=True)
class Hello:
    """What a partner's hello left: their voiceprint and how loud they speak (dBFS)."""

    vector: np.ndarray
    level: float


@dataclass(frozen=True)
class Verdict:
    """Whether speech was the couple's (`who`: which partner, when told), and why."""

    couple: bool
    who: str | None
    likeness: float  # to the nearest hello
    level: float
    reason: str  # "partner", "unlike", "quiet", "short" or "no hello"
    apart: float = 0.0  # how much more like `who`'s hello than the other partner's

    def clearly(self, name: str, margin: float) -> bool:
        """Told as `name`'s voice by at least `margin` (a cosine difference) over the other's."""
        return self.who == name and self.apart >= margin


class PartnerVoices:
    """The partners' hellos, once both are in, and the judgement of each later turn."""

    def __init__(self, partners: tuple[str, str], params: HelloParams | None = None) -> None:
        self.p = params or HelloParams()
        self.partners = partners
        self.hellos: dict[str, Hello] = {}

    @property
    def ready(self) -> bool:
        """Both partners' voices are known: other voices can be told from them."""
        return all(name in self.hellos for name in self.partners)

    def enrol(self, name: str, vector: np.ndarray | None, level: float, secs: float) -> bool:
        """Keep `name`'s hello if it is long enough to know a voice by."""
        if vector is None or secs < self.p.min_secs:
            return False
        self.hellos[name] = Hello(vector / (np.linalg.norm(vector) + 1e-9), level)
        return True

    def judge(self, vector: np.ndarray | None, level: float, secs: float) -> Verdict:
        """Whose voice `secs` seconds of speech were (its voiceprint and level)."""
        if not self.ready:
            return Verdict(True, None, 0.0, level, "no hello")
        if vector is None or secs < self.p.tell_secs:
            return Verdict(True, None, 0.0, level, "short")
        likeness = {name: float(vector @ h.vector) for name, h in self.hellos.items()}
        nearest, other = sorted(likeness, key=lambda n: -likeness[n])
        if likeness[nearest] < self.p.like_above:
            return Verdict(False, None, likeness[nearest], level, "unlike")
        if level < min(h.level for h in self.hellos.values()) - self.p.quieter_db:
            return Verdict(False, None, likeness[nearest], level, "quiet")
        apart = likeness[nearest] - likeness[other]
        return Verdict(True, nearest, likeness[nearest], level, "partner", apart)
