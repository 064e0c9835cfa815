"""How long each partner pauses to find words, learnt during the session, so the coach waits for it.

One hold for everyone (`min_breath`, 1.5 s after a piece that sounds finished) cuts off a partner
who searches for words for longer; a longer one keeps a brisk partner waiting at every piece
(docs/benchmarks.md, "Learning each partner's pauses"). People differ, and stay much the same
within a session: a partner who has just gone on after a 1.8 s pause will pause like that again.
So every pause a partner went on after (in their turn, or over the coach's answer: a cut-off) is
remembered, and their hold becomes their longest recent pause plus a margin, never more than the
wait for an unfinished thought. Only the last few are remembered, so a partner whose recent pauses
were all short is answered quickly again; one not yet heard pausing gets a careful `first` hold.

Pure: the loop reports the pauses; nothing here reads a clock.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class PatienceParams:
    """Defaults from docs/benchmarks.md ("Learning each partner's pauses")."""

    first: float = 2.3  # the hold for a partner not yet heard to pause
    margin: float = 0.8  # wait this much longer than the partner's longest recent pause
    cap: float = 2.8  # never longer than an unfinished thought waits (end_silence_max)
    memory: int = 8  # pauses remembered per partner: older ones are forgotten


class Patience:
    def __init__(self, params: PatienceParams | None = None) -> None:
        self.p = params or PatienceParams()
        self._pauses: dict[str, deque[float]] = {}

    def went_on(self, who: str | None, pause: float) -> None:
        """`who` went on after `pause` seconds of silence. A pause longer than the cap is no guide:
        no hold the coach could afford would outlast it."""
        if who and 0.0 < pause <= self.p.cap:
            self._pauses.setdefault(who, deque(maxlen=self.p.memory)).append(pause)

    def hold(self, who: str | None, base: float) -> float:
        """Seconds of silence after a finished-sounding thought before the coach answers `who`."""
        if self.p.memory == 0:
            return base
        seen = self._pauses.get(who or "")
        wanted = max(seen) + self.p.margin if seen else self.p.first
        return max(base, min(wanted, self.p.cap))
