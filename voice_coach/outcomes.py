"""What the protocol decides, carried out: cues said, notes logged, keepsakes and voices kept.

The loop hears and decides when; this is where a decision meets the speaker, the log and the
couple's records, so that the loop's own work stays hearing (issue 16: one job per class).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .dialogue.phrasebook import Phrasebook
from .dialogue.protocol import Acknowledge, Decision, Dialogue, Finish, Keep, KeepVoices, Say
from .events import Note
from .hearing.partner_voices import PartnerVoices
from .records.keepsakes import Keepsakes
from .records.session_log import SessionLog
from .records.voice_store import VoiceStore
from .settings import Settings
from .speaking.coach import Coach
from .view import ConsoleView


@dataclass(frozen=True)
class Records:
    """What the session leaves behind: its log, the couple's keepsakes, and their voices if they
    agree to keeping them."""

    log: SessionLog
    keepsakes: Keepsakes
    voices: VoiceStore | None = None


class Outcomes:
    """Says and writes what the protocol decided. `couple` holds the partners' hellos (kept if they
    agree), `now` is the stream's time (the loop's), and `not_before` the slow-down's earliest start
    for a cue (the mirror prompt waits for a breath)."""

    def __init__(
        self, settings: Settings, protocol: Dialogue, coach: Coach, book: Phrasebook, records: Records,
        couple: PartnerVoices, view: ConsoleView, now: Callable[[], float], realtime: bool,
        not_before: Callable[[str, float], float],
    ) -> None:
        self.s, self.protocol, self.coach, self.book = settings, protocol, coach, book
        self.log, self.keepsakes, self.voices = records.log, records.keepsakes, records.voices
        self.couple, self.view = couple, view
        self._now, self._realtime, self._not_before = now, realtime, not_before
        self.finished: str | None = None  # why the protocol finished, once it has

    def execute(self, decisions: list[Decision], t: float) -> None:
        said = [self.text_of(d) for d in decisions if isinstance(d, Say)]
        if said:  # the cues of one decision are said as one utterance, before what comes after them
            self.speak(said, t)
        for d in decisions:
            if isinstance(d, Note):
                self.log.write("note", t, kind=d.kind, detail=d.detail)
            elif isinstance(d, Finish):
                self.finished = d.reason
                self.log.write("finish", t, reason=d.reason)
            elif isinstance(d, Keep):
                p = self.protocol
                self.keepsakes.keep_request(d.text, p.sender, p.receiver, self.log.folder.name)
                self.log.write("keep", t, kind=d.kind, **({} if self.s.no_transcripts else {"text": d.text}))
            elif isinstance(d, Acknowledge):
                self.keepsakes.acknowledge()
                self.log.write("acknowledged", t)
            elif isinstance(d, KeepVoices):
                self._keep_voices(d.keep, t)
        if self.protocol.speaker and not self.finished:
            label = f"{self.protocol.speaker} · {self.protocol.step.value}"
            self.view.status(label, max(t, self.coach.queue.until))

    def stop_for(self, decisions: list[Decision], t: float, reason: str) -> None:
        """The protocol stops for care: whatever the coach was about to say is dropped first."""
        if any(isinstance(d, Say) for d in decisions):
            self.coach.drop_all(t, reason)
        self.execute(decisions, t)

    def say(self, key: str, t: float) -> None:
        """Say one cue from `t` on, to the partners in their present roles."""
        p = self.protocol
        self.speak([self.text_of(Say(key, p.sender, p.receiver))], t)

    def say_now(self, key: str, t: float) -> None:
        """Say a cue at once (the microphone is gone, and stream time with it)."""
        p = self.protocol
        self.coach.say_now([self.text_of(Say(key, p.sender, p.receiver))], t, p.step)

    def speak(self, said: list[tuple[str, str]], t: float) -> None:
        """Say cues (key, text) from `t` on, as one utterance after whatever is queued."""
        self.coach.say(said, t, self.protocol.step, now=self._now(), realtime=self._realtime,
                       not_before=self._not_before)

    def text_of(self, cue: Say) -> tuple[str, str]:
        return cue.key, self.book.say(cue.key, cue.sender, cue.receiver, **self.s.cue_fields())

    def keep_hellos(self) -> None:
        """A hello was heard: the voices are kept at once if the couple agreed to that before."""
        if self.couple.ready and self.voices is not None and self.voices.choice():
            self.voices.keep(self.couple.hellos)

    def _keep_voices(self, keep: bool, t: float) -> None:
        """The couple's choice about their voices, remembered; the voices written only on a yes."""
        if self.voices is not None:
            if keep:
                self.voices.keep(self.couple.hellos)
            else:
                self.voices.refuse()
        self.log.write("note", t, kind="voices", detail="kept" if keep else "not kept")
