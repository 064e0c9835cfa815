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

from .turn_end import EndRule


@dataclass(frozen=True)
class PatienceParams:
    """Defaults chosen on the tune half of real conversation (docs/benchmarks.md, "Turn-taking on real
    conversation")."""

    first: float = 2.0  # the hold for a partner not yet heard to pause
    margin: float = 0.8  # wait this much longer than the partner's longest recent pause
    cap: float = EndRule.unfinished  # never longer than an unfinished thought waits (end_silence_max)
    memory: int = 8  # pauses remembered per partner: older ones are forgotten
    # A thought that does not sound finished waits `cap` for a partner not yet heard to pause, and
    # for one heard this much longer than their longest recent pause (None: always `cap`).
    unsure_margin: float | None = None
    # Hold a finished-sounding thought for the partner's longest recent pause that also sounded
    # finished (a search for words that sounds unfinished is waited out by the longer wait anyway).
    finished_only: bool = False


class Patience:
    def __init__(self, params: PatienceParams | None = None) -> None:
        self.p = params or PatienceParams()
        self._pauses: dict[str, deque[tuple[float, bool]]] = {}

    def went_on(self, who: str | None, pause: float, finished: bool = True) -> None:
        """`who` went on after `pause` seconds of silence, which `finished`: sounded like the end
        of a thought (or the coach took it for one). A pause longer than the cap is no guide: no
        hold the coach could afford would outlast it."""
        if who and 0.0 < pause <= self.p.cap:
            self._pauses.setdefault(who, deque(maxlen=self.p.memory)).append((pause, finished))

    def hold(self, who: str | None, base: float) -> float:
        """Seconds of silence after a finished-sounding thought before the coach answers `who`."""
        if self.p.memory == 0:
            return base
        seen = self._pauses.get(who or "")
        if not seen:
            return max(base, min(self.p.first, self.p.cap))
        risky = [p for p, finished in seen if finished or not self.p.finished_only]
        return max(base, min(max(risky) + self.p.margin, self.p.cap)) if risky else base

    def waits(self, who: str | None, base: float, longest: float) -> tuple[float, float]:
        """(after a finished-sounding thought, after any other) seconds of silence before the coach
        answers `who`; `longest` is the wait for a thought that does not sound finished. Sound and
        words often cannot tell a real end from a search for words, but a partner heard to pause
        only briefly is likely done after a longer silence than theirs, whatever it sounded like."""
        hold = self.hold(who, base)
        seen = self._pauses.get(who or "")
        if self.p.memory == 0 or self.p.unsure_margin is None or not seen:
            return hold, max(hold, longest)
        return hold, max(hold, min(longest, max(p for p, _ in seen) + self.p.unsure_margin))


@dataclass(frozen=True)
class Pause:
    """`who` went on at `t` after `secs` of silence, which `finished`: sounded like a thought's end."""

    who: str | None
    secs: float
    t: float
    finished: bool = True


class Holds:
    """The holds the turn detector gets for each partner, learnt from their pauses: the coach's
    settings give the shortest (`base`, after a finished-sounding thought) and the longest wait."""

    def __init__(self, patience: Patience, base: float, longest: float) -> None:
        self.patience, self._base, self._longest = patience, base, longest

    def waits(self, who: str | None, answered: bool) -> tuple[float, float | None]:
        """TurnDetector.hold's arguments for `who`. Where the coach will not answer, the other
        partner does, and soon: nothing to hold."""
        if not answered:
            return 0.0, None
        return self.patience.waits(who, self._base, self._longest)

    def learn(self, pause: Pause) -> float | None:
        """Remember the pause; the new hold for its partner when it moved noticeably (for the log)."""
        before = self.patience.hold(pause.who, self._base)
        self.patience.went_on(pause.who, pause.secs, pause.finished)
        now = self.patience.hold(pause.who, self._base)
        return now if abs(now - before) > 0.05 else None
