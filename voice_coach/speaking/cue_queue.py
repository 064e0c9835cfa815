"""The coach's queue: what it will say and from when, what has gone to the speaker, and when the
microphone is shut because the coach is speaking. Pure bookkeeping in stream time: the loop
renders what is said, and plays and logs what the queue hands over."""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass

import numpy as np

from ..dialogue.protocol import Step


@dataclass(frozen=True)
class Part:
    """One cue of an utterance: it sounds over [since, until) seconds into it; the parts tile it."""

    key: str
    text: str
    since: float
    until: float


@dataclass(frozen=True)
class Utterance:
    """What the coach says at once: one or more cues back to back, heard as one utterance."""

    start: float
    end: float
    parts: tuple[Part, ...]
    audio: np.ndarray
    step: Step  # what the cue invites next
    render_wait: float = 0.0  # seconds the loop waited for the voice to render it (0: ready)
    handed: int = 0  # samples at its start already with the speaker (a begun first sentence, Begun)
    early: float = 0.0  # seconds it had sounded before `start` (that first sentence)


class CueQueue:
    def __init__(self, echo_tail: float) -> None:
        self.echo_tail = echo_tail  # the room's echo after a cue, heard with the microphone still shut
        self.until = 0.0  # stream time at which everything queued or playing ends
        self._waiting: deque[Utterance] = deque()
        self._handed_until = -1.0  # end of the last utterance handed to the speaker
        self._playing: deque[tuple[float, str]] = deque()  # (end, key) of each cue handed over
        self._deaf: deque[tuple[float, float]] = deque()  # when the microphone hears the coach

    def add(self, said: Utterance) -> None:
        """Queue an utterance to start at `said.start` (the caller starts it at `until` or later)."""
        self._waiting.append(said)
        self.until = max(self.until, said.end)

    def due(self, now: float, behind: float = 0.0) -> list[Utterance]:
        """What must go to the speaker now: each utterance when its time comes (only then does the
        coach speak, and only then is the microphone shut: a device plays at once whatever it is
        given). One that follows the one handed over without a gap goes with it: handed over at its
        start, it would wait for the device's latency (~0.4 s live), a silence a partner takes for
        the coach being done. `behind`: seconds the loop runs behind the microphone; what is handed
        over now is heard that much later in stream time, and is placed (and the microphone shut)
        there, so that a busy computer never takes the end of its own cue for a partner."""
        out: list[Utterance] = []
        late = 0.0
        while self._waiting and (self._waiting[0].start <= now + 1e-6
                                 or self._waiting[0].start <= self._handed_until + 1e-6):
            said = self._waiting.popleft()
            if not out:
                late = max(0.0, now + behind - said.start) if behind > 0 else 0.0
            if late:
                said = dataclasses.replace(said, start=said.start + late, end=said.end + late)
            out.append(self.hand_over(said))
        return out

    def hand_over(self, said: Utterance) -> Utterance:
        """`said` goes to the speaker now (also for one said at once, out of turn)."""
        self._handed_until = said.end
        self.until = max(self.until, said.end)
        self._deaf.append((said.start, said.end + self.echo_tail))
        self._playing.extend((said.start + part.until, part.key) for part in said.parts)
        return said

    def finished(self, now: float) -> list[tuple[float, str]]:
        """The cues that have ended by `now`: (end, key) each, in order."""
        out = []
        while self._playing and self._playing[0][0] <= now:
            out.append(self._playing.popleft())
        return out

    def drop_held_prompt(self, t: float, key: str) -> Utterance | None:
        """The receiver began before the (breath-delayed) cue `key` waiting alone at the head of
        the queue: it is no longer needed, and what follows it moves up to close the gap."""
        held = self._waiting[0] if self._waiting else None
        if held is None or [p.key for p in held.parts] != [key] or held.start <= t:
            return None
        self._waiting.popleft()
        later = held.end - held.start
        for i, c in enumerate(self._waiting):
            self._waiting[i] = dataclasses.replace(c, start=c.start - later, end=c.end - later)
        self.until = self._waiting[-1].end if self._waiting else max(t, self.spoken_until())
        return held

    def drop_all(self, t: float) -> list[Utterance]:
        """Drop every utterance not yet begun (what is playing ends as it is)."""
        dropped = list(self._waiting)
        self._waiting.clear()
        self.until = max(t, self.spoken_until())
        return dropped

    def spoken_until(self) -> float:
        return max((end for end, _ in self._playing), default=0.0)

    def is_deaf(self, start: float, end: float) -> bool:
        """Does [start, end) overlap the coach speaking (or its echo)? Asked in stream order."""
        while self._deaf and self._deaf[0][1] <= start:
            self._deaf.popleft()
        return any(a < end and start < b for a, b in self._deaf)
