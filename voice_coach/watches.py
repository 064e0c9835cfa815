"""The coaching watches that read each turn once its words are in: danger (care), heat, and how
well a mirror caught the piece. What they find is carried out by Outcomes: care stops the
exercise, heat offers a time-out, a round's mirroring gets one kind line.
"""

from __future__ import annotations

from .coaching.care import CareWatch, MeaningJudge
from .coaching.fidelity import feedback_line
from .coaching.heat import Heat
from .coaching.mirror_watch import MirrorWatch
from .dialogue.protocol import Decision, Dialogue, Step
from .events import Note
from .outcomes import Outcomes
from .settings import Settings


class Watches:
    def __init__(
        self, settings: Settings, meaning: MeaningJudge | None, protocol: Dialogue, out: Outcomes
    ) -> None:
        self.s, self.protocol, self.out = settings, protocol, out
        self.care = CareWatch(meaning)
        self.heat = Heat() if settings.care_check else None
        self.mirrors = MirrorWatch((settings.sender, settings.receiver))

    @property
    def hears_heat(self) -> bool:
        """Whether a turn's length and loudness are wanted (the heat watch is on)."""
        return self.heat is not None

    def on_piece(self, turn: int, text: str, t: float) -> None:
        """A piece's words, before the turn is over: danger is heard at once."""
        self._care_for(self.care.on_piece(turn, text), t)

    def on_turn(self, turn: int, who: str, step: Step | None, text: str, sound: tuple[float, float] | None,
                t: float) -> None:
        """A turn's whole words (and its seconds and speech level, for the heat watch)."""
        self._care_for(self.care.on_turn(turn, text), t)
        if self.heat is not None and sound is not None:
            secs, level = sound
            self.heat.turn(t, who, secs, level, text)
            self._cool_down(t)
        mirror = self.mirrors.on_transcript(step, text)
        if mirror is not None:
            fields = mirror.log_fields()
            if self.s.no_transcripts:
                fields = {k: v for k, v in fields.items() if k not in ("missed", "added")}
            self.out.log.write("note", t, kind="fidelity", turn=turn, **fields)

    def answered(self, step: Step | None, decisions: list[Decision], t: float) -> None:
        """The protocol's answer to a turn: a mirror confirmed ends the round's mirroring."""
        confirmed = any(isinstance(d, Note) and d.kind == "answer" and d.detail in ("yes", "assumed_yes")
                        for d in decisions)
        if step is Step.CHECK and confirmed:
            self._round_feedback(t)

    def overlap(self, t: float, now: float) -> None:
        """Both partners talked at once at `t`: one of the signs of heat."""
        if self.heat is not None:
            self.heat.overlap(t)
            self._cool_down(now)

    def _care_for(self, danger: str | None, t: float) -> None:
        """Words that tell of danger: the protocol stops the exercise (Dialogue.on_danger)."""
        if danger is not None:
            self.out.stop_for(self.protocol.on_danger(danger), t, "a partner spoke of danger")

    def _cool_down(self, t: float) -> None:
        """Several signs of heat close together: a time-out (Dialogue.on_heated)."""
        due = self.heat.break_due(t) if self.heat is not None else None
        if due:
            signs = ", ".join(sorted({s.kind for s in due}))
            self.out.stop_for(self.protocol.on_heated(signs), t, "it got heated")

    def _round_feedback(self, t: float) -> None:
        """One short, kind line on the round's mirroring: always logged, spoken when asked for."""
        combined = self.mirrors.end_round()
        line = feedback_line(combined, self.protocol.sender, self.out.book.feedback) if combined else None
        if line and combined is not None:
            said = "" if self.s.no_transcripts else line  # the line quotes the partners' words
            self.out.log.write("note", t, kind="feedback", detail=said, recall=round(combined.recall, 3))
            if self.s.mirror_feedback:
                self.out.speak([("feedback", line)], t)
