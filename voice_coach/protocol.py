"""The mirroring round as a pure state machine: events in, decisions out, no I/O and no clock.

share -> mirror -> "did they get it?" -> yes: "is there more?" / partly or no: say again
"is there more?" -> more: next piece / done: switch roles, and after both have sent, close.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from . import answers
from .events import CueFinished, TurnEnded, TurnTranscribed
from .phrasebook import Phrasebook


class Step(str, Enum):
    GREETING = "greeting"
    SHARE = "share"
    MIRROR = "mirror"
    CHECK = "check"
    MORE = "more"
    DONE = "done"


@dataclass(frozen=True)
class Say:
    """Speak cue `key`; the names fill its wording."""

    key: str
    sender: str
    receiver: str


@dataclass(frozen=True)
class Finish:
    reason: str


@dataclass(frozen=True)
class Note:
    """Something worth logging that is not a cue (an answer understood, a loop counted)."""

    kind: str
    detail: str


Decision = Say | Finish | Note


class MirroringRound:
    def __init__(self, partner_a: str, partner_b: str, book: Phrasebook) -> None:
        self.sender, self.receiver = partner_a, partner_b
        self.step = Step.GREETING
        self.book = book
        self.mirror_loops = 0  # extra mirrors of the current piece
        self.pieces = 0
        self._senders_done = 0
        self._awaiting_text: int | None = None  # turn whose transcript decides what comes next
        self._turn_step: dict[int, Step] = {}
        self._asked_again = False

    @property
    def speaker(self) -> str | None:
        """Whose voice the coach expects next."""
        if self.step in (Step.SHARE, Step.CHECK, Step.MORE):
            return self.sender
        if self.step is Step.MIRROR:
            return self.receiver
        return None

    def _say(self, key: str) -> Say:
        return Say(key, self.sender, self.receiver)

    def start(self) -> list[Decision]:
        self.step = Step.SHARE
        return [self._say("welcome"), self._say("sender_starts")]

    def on_cue_finished(self, ev: CueFinished) -> list[Decision]:
        return []

    def on_turn_ended(self, ev: TurnEnded) -> list[Decision]:
        if self.step is Step.DONE or self._awaiting_text is not None:
            return [Note("ignored_turn", f"turn {ev.turn} while waiting")]
        self._turn_step[ev.turn] = self.step
        if self.step is Step.SHARE:
            self.pieces += 1 if self.mirror_loops == 0 else 0
            self.step = Step.MIRROR
            return [self._say("prompt_mirror")]
        if self.step is Step.MIRROR:
            self.step = Step.CHECK
            return [self._say("check")]
        self._awaiting_text = ev.turn  # CHECK and MORE need to know what was said
        return []

    def on_transcript(self, ev: TurnTranscribed) -> list[Decision]:
        if answers.command(ev.text, self.book) == "stop" and self.step is not Step.DONE:
            self.step = Step.DONE
            return [Note("command", "stop"), self._say("goodbye"), Finish("stopped by voice")]
        if ev.turn != self._awaiting_text:
            return []
        self._awaiting_text = None
        if self._turn_step.pop(ev.turn, None) is Step.CHECK:
            return self._after_check(ev.text)
        return self._after_more(ev.text)

    def _after_check(self, text: str) -> list[Decision]:
        kind = answers.did_they_get_it(text, self.book)
        if kind is None and not self._asked_again:
            self._asked_again = True
            return [Note("answer", "unclear"), self._say("ask_again")]
        self._asked_again = False
        if kind in ("partly", "no"):
            self.mirror_loops += 1
            self.step = Step.SHARE
            return [Note("answer", kind), self._say("say_missed")]
        if kind == "going_on":  # the sender is already saying what was missed
            self.mirror_loops += 1
            self.step = Step.MIRROR
            return [Note("answer", "going_on"), self._say("prompt_mirror")]
        self.step = Step.MORE
        return [Note("answer", kind or "assumed_yes"), self._say("more")]

    def _after_more(self, text: str) -> list[Decision]:
        kind = answers.is_there_more(text, self.book)
        self.mirror_loops = 0
        if kind == "more":
            self.step = Step.SHARE
            return [Note("answer", "more"), self._say("go_on")]
        if kind == "going_on":
            self.pieces += 1
            self.step = Step.MIRROR
            return [Note("answer", "going_on"), self._say("prompt_mirror")]
        self._senders_done += 1
        if self._senders_done >= 2:
            self.step = Step.DONE
            return [Note("answer", kind or "assumed_done"), self._say("close"), Finish("complete")]
        self.sender, self.receiver = self.receiver, self.sender
        self.step = Step.SHARE
        return [Note("answer", kind or "assumed_done"), self._say("switch")]
