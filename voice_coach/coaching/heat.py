"""When a dialogue gets heated: voices rising well above each partner's own level, pace racing
above their own, talking at once again and again, blame and contempt ("you always", "whatever").

One sign is ordinary: a frustration is often told with "you never", and anyone may cut in once.
Several signs close together are the moment the Imago way calls for a time-out (protocol.py,
`Dialogue.on_heated`), and never more than once in a few minutes. Each partner is measured against
their own level and pace, learnt from their first turns, since a microphone is nearer one of them
and people speak at their own speed.

Pure: turns (with their level, pace and words) and overlaps in, a decision to offer a break out.
The thresholds are discussed in docs/benchmarks.md, "Heated moments".
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field

from ..hearing.audio_history import speech_level_db as speech_level_db  # the level heat compares
from .care import normalise

LOUD, FAST, BLAME, OVERLAP = "louder", "faster", "blame", "overlap"

# Blame and contempt, as the transcript shows them. "You always/never" only at the head of what
# is said about the other ("you never ask", not "you never hit me": care.py hears that).
_BLAME = re.compile(
    r"\b(?:you (?:always|never) (?!hit|hurt|pushed)\w+|whatever|shut up|pathetic|ridiculous|"
    r"you are (?:so |such an? )?(?:useless|selfish|lazy|stupid|pathetic|impossible|crazy|an idiot)|"
    r"what is wrong with you|i (?:do not|can not) stand you|i hate you|typical)\b"
)


@dataclass(frozen=True)
class HeatParams:
    louder_db: float = 8.0  # a turn this much above the partner's own usual level
    faster: float = 1.4  # ... or this many times their own usual pace
    min_wpm: float = 170.0  # and at least this fast: a slow speaker speeding up is not racing
    learn_turns: int = 3  # turns of a partner heard before their own level and pace are known
    min_secs: float = 1.5  # turns shorter than this ("yes") say little about level or pace
    window: float = 120.0  # signs counted over this much of the recent dialogue
    signs: int = 3  # signs within the window that call for a break
    # ... of at least this many kinds, a louder and a faster voice being one kind (the voice): three
    # "you never"s alone are a frustration, and a voice that rises alone may be enthusiasm
    kinds: int = 2
    quiet_for: float = 300.0  # never offer a break again within this long


@dataclass(frozen=True)
class Sign:
    t: float
    kind: str
    who: str | None


@dataclass
class _Partner:
    levels: list[float] = field(default_factory=list)
    paces: list[float] = field(default_factory=list)


class Heat:
    def __init__(self, params: HeatParams | None = None) -> None:
        self.p = params or HeatParams()
        self._partners: dict[str, _Partner] = {}
        self._signs: list[Sign] = []
        self._offered: float | None = None

    def turn(self, t: float, who: str | None, secs: float, level_db: float, words: str) -> list[Sign]:
        """A partner's turn, once its words are known: the signs of heat in it. Level and pace
        are compared with the partner's own usual ones (the median of their earlier calm turns)."""
        signs = []
        if _BLAME.search(normalise(words)):  # contractions spelt out, as care.py reads words
            signs.append(Sign(t, BLAME, who))
        if who is not None and secs >= self.p.min_secs:
            me = self._partners.setdefault(who, _Partner())
            wpm = 60.0 * len(words.split()) / secs
            heated = False
            if len(me.levels) >= self.p.learn_turns:
                if level_db - statistics.median(me.levels) >= self.p.louder_db:
                    signs.append(Sign(t, LOUD, who))
                    heated = True
                if wpm >= max(self.p.faster * statistics.median(me.paces), self.p.min_wpm):
                    signs.append(Sign(t, FAST, who))
                    heated = True
            if not heated:  # the usual is learnt from calm turns only
                me.levels.append(level_db)
                me.paces.append(wpm)
        self._signs += signs
        return signs

    def overlap(self, t: float) -> Sign:
        """Both talking at once: a cut-in, a talk-over of the coach, an answer before the cue."""
        sign = Sign(t, OVERLAP, None)
        self._signs.append(sign)
        return sign

    def break_due(self, t: float) -> list[Sign] | None:
        """The signs that call for a break now, or None."""
        self._signs = [s for s in self._signs if t - s.t <= self.p.window]
        if self._offered is not None and t - self._offered < self.p.quiet_for:
            return None
        kinds = {"voice" if s.kind in (LOUD, FAST) else s.kind for s in self._signs}
        if len(self._signs) >= self.p.signs and len(kinds) >= self.p.kinds:
            due, self._signs, self._offered = self._signs, [], t
            return due
        return None
