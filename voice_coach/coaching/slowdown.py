"""The slow-down rules, live: a pure, clock-free processor of timestamped events.

The dialogue works when it is slow: short pieces, a calm pace, one voice at a time, and a breath
before answering. This processor sees what the loop sees (speech starting and stopping, turns
ending with their words, the coach's cues) and answers with cues to say and notes to log. It never
reads a clock and never decides while someone speaks: a cue for the sender is only ever decided at
a breath or at the end of a turn.

Cue keys it may ask for (the wording belongs in the cue file):
  pause_for_mirror  "Let's pause there so {receiver} can mirror."
  slow_down         "Let's slow down a little."
  one_at_a_time     "One at a time, please. Let's give each other room."
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Final, Literal

from ..dialogue.phrasebook import normalise
from ..dialogue.protocol import Step
from ..events import Note, SpeechStarted, SpeechStopped, TurnTranscribed

PAUSE_FOR_MIRROR, SLOW_DOWN, ONE_AT_A_TIME = "pause_for_mirror", "slow_down", "one_at_a_time"
REMINDERS = (SLOW_DOWN, ONE_AT_A_TIME)  # said between the protocol's cues, not in answer to a turn
MIRROR_PROMPT = "prompt_mirror"
# The sender may go on with the piece in any of them
SENDER_ROLES = (Step.SHARE, Step.CHECK, Step.MORE)
# Turns the other partner answers without waiting for a cue: "is now a good time?", flooding.
PAUSED: Final = "paused"  # the session waits (a time-out, a care pause, "pause"): the coach answers no turn
# What a turn or a cue is to the slow-down: the protocol's step, or a paused coach's.
Role = Step | Literal["paused"]
UNCUED_ROLES = (Step.APPOINTMENT, Step.FLOOD, PAUSED)
PACED_ROLES = (Step.SHARE, Step.MIRROR)  # pieces spoken at length, whose pace is noted
# Words a minute of speech time that calm talk measured here ran at (SlowdownParams.pace_wpm):
# what the report shows as easy to follow.
CALM_PACE = (130, 180)


@dataclass(frozen=True)
class SlowdownParams:
    # A receiver can hold about 30-40 s of speech (70-90 calm words) and say it back; 40 s is long
    # enough not to cut off an ordinary piece (most run 5-25 s), and the cue still waits for a breath.
    long_piece: float = 40.0
    # Words per minute of speech time (breaths left out). Calm talk measured here runs 130-180, read
    # speech 190-270; 200 lets ordinary talk through and catches hurrying. A nudge, so few false alarms.
    pace_wpm: float = 200.0
    # Pace over less speech than this is noise: a quick "yes, exactly" is not a hurried piece.
    pace_min_speech: float = 5.0
    # "Let's slow down" at most once in this many seconds: a reminder, never nagging.
    pace_interval: float = 180.0
    # One interruption is an accident, two may be eagerness; the third earns a gentle "One at a time".
    interruptions: int = 3
    # Seconds from the end of the sender's speech to the mirror prompt: a breath, so the receiver is
    # not rushed (docs/benchmarks.md, "Turn-taking on real conversation"). 0 turns it off.
    min_breath: float = 1.5


# --- events in ---------------------------------------------------------------------------------


# Speech starting and stopping (a breath: the turn may go on) are events.SpeechStarted and
# SpeechStopped; who spoke is told later, at a breath (VoiceHeard). An ended turn's words arrive
# after it, as events.TurnTranscribed.


@dataclass(frozen=True)
class TurnDone:
    """Turn `turn` ended (decided at `t`). `text` None: the transcript is still pending."""

    t: float
    turn: int
    speaker: str | None
    role: Role
    text: str | None = None


@dataclass(frozen=True)
class VoiceHeard:
    """The speech that stopped at `t` sounded like `heard`, in a turn the protocol gave `expected`
    (whose_voice.py): another voice than the expected one cut in."""

    t: float
    expected: str
    heard: str


@dataclass(frozen=True)
class HeardOverCoach:
    """Someone spoke over the coach's cue from `t` (over_coach.py), told once the cue is over:
    while the coach speaks the loop reports no speech start, only this. `who`, when the voice that
    went on after the cue could be told."""

    t: float
    who: str | None = None


@dataclass(frozen=True)
class CueSaid:
    """The coach speaks cue `key` over [t, end); `step` is what it invites next (share, mirror...)."""

    t: float
    end: float
    key: str
    step: Role | None = None


@dataclass(frozen=True)
class TurnRole:
    """From `t` the turn under way is `role`, though no cue said so: the coach took its last answer
    back (the partner went on), or the other partner took the turn on their own (HandedOver)."""

    t: float
    role: Role


@dataclass(frozen=True)
class HandedOver:
    """The speech [since, until) was the other partner beginning on their own: it leaves the turn
    under way, whose speech ended at `end` (its TurnDone follows), and begins the next, to which
    no cue is owed; begun before the cue, it is counted as an answer before the cue is."""

    since: float
    until: float
    end: float


Event = (SpeechStarted | SpeechStopped | TurnDone | TurnTranscribed | VoiceHeard | HeardOverCoach | CueSaid
         | TurnRole | HandedOver)


# --- decisions out -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Remind:
    """Say reminder `key` now (at `t`, a moment when nobody speaks), between the protocol's cues."""

    key: str
    t: float


# What the slow-down advises: a reminder to say, or a note (events.Note) to log, of a kind among
# interruption, cut_off, pace, breath and long_piece. Not a protocol Decision: it never moves the
# dialogue on.
Advice = Remind | Note


@dataclass
class _Turn:
    start: float
    voiced: float = 0.0  # seconds of speech, breaths left out
    speech_since: float | None = None  # set while speech is on
    last_stop: float | None = None
    long_said: bool = False
    interrupted: bool = False  # an interruption is logged once per turn


class Slowdown:
    """Feed every event in stream order, and a TurnDone before acting on the protocol's answer to
    it, so that a reminder comes before the next prompt. Ask `not_before` when a cue may start."""

    def __init__(self, params: SlowdownParams | None = None) -> None:
        self.p = params or SlowdownParams()
        self.interruptions = 0  # since the last "one at a time"
        self._turn: _Turn | None = None
        self._role: Role | None = None  # what the last cue invited
        # The coach's recent cues: [start, end), and whose turn each answered (None: a reminder).
        self._cues: deque[tuple[float, float, str | None]] = deque(maxlen=8)
        self._cue_owed = False  # a turn ended and the coach has not answered it yet
        self._last_end: float | None = None  # end of speech of the last ended turn
        self._last_speaker: str | None = None  # who spoke the last ended turn
        self._last_pace_cue: float | None = None
        # speech seconds of shares and mirrors awaiting their words, and which of the two
        self._pending: dict[int, tuple[float, Role]] = {}
        self._next: _Turn | None = None  # speech that begins the next turn once this one is done

    def feed(self, ev: Event) -> list[Advice]:
        if isinstance(ev, SpeechStarted):
            return self._on_speech(ev)
        if isinstance(ev, SpeechStopped):
            return self._on_breath(ev)
        if isinstance(ev, TurnDone):
            return self._on_turn_done(ev)
        if isinstance(ev, TurnTranscribed):
            return self._on_text(ev.turn, ev.text, ev.t)
        if isinstance(ev, VoiceHeard):
            return self._on_voice(ev)
        if isinstance(ev, HeardOverCoach):
            return self._on_over_coach(ev)
        if isinstance(ev, TurnRole):
            self._role = ev.role
            return []
        if isinstance(ev, HandedOver):
            return self._on_hand_over(ev)
        answers = ev.key not in REMINDERS and ev.key != PAUSE_FOR_MIRROR and self._cue_owed
        self._cues.append((ev.t, ev.end, self._last_speaker if answers else None))
        if ev.key not in REMINDERS:
            self._cue_owed = False
            self._role = ev.step or self._role
        return []

    def not_before(self, key: str, t: float) -> float:
        """The earliest time cue `key`, wanted at `t`, may start: the mirror prompt waits for a breath."""
        if key == MIRROR_PROMPT and self._last_end is not None:
            return max(t, self._last_end + self.p.min_breath)
        return t

    def _coach_speaking(self, t: float) -> bool:
        return any(start <= t < end for start, end, _ in self._cues)

    def _coach_busy(self, t: float) -> bool:
        """Speaking, or with a cue queued: a reminder now would land after it, at the wrong moment."""
        return any(end > t for _, end, _ in self._cues)

    def _on_speech(self, ev: SpeechStarted) -> list[Advice]:
        out: list[Advice] = []
        turn = self._turn
        if turn is not None and turn.speech_since is not None:
            return out  # already speaking
        interrupted = None
        if turn is None and (self._cue_owed or any(ev.t < start for start, _, _ in self._cues)):
            interrupted = self._interruption("before_cue", "answered before the cue", ev.t)
        if interrupted is not None:
            out.append(interrupted)
        if turn is None:
            self._turn = turn = _Turn(ev.t)
            out += self._breath(ev.t)
        turn.speech_since = ev.t
        turn.interrupted |= interrupted is not None
        return out

    def _on_voice(self, ev: VoiceHeard) -> list[Advice]:
        """Heard only once the speech has stopped: one partner cut in during the other's turn,
        in a pause of theirs or over them. Once per turn, and not again for an early answer."""
        turn = self._turn
        if ev.heard == ev.expected or turn is None or turn.interrupted:
            return []
        turn.interrupted = True
        return [self._interruption("cut_in", f"{ev.heard} cut in on {ev.expected}", ev.t)]

    def _on_over_coach(self, ev: HeardOverCoach) -> list[Advice]:
        """Over the coach: an interruption, unless it was the partner the coach had just answered,
        going on; then the coach answered too soon (a cut-off, the coach's doing, not theirs)."""
        if self._turn is not None:
            self._turn.interrupted = True  # the turn that goes on after the cue: counted once
        answered = [who for start, _, who in self._cues if start <= ev.t]
        if ev.who is not None and answered and ev.who == answered[-1]:
            return [Note("cut_off", f"{ev.who} went on as the coach answered", ev.t)]
        who = f"{ev.who} spoke" if ev.who else "spoke"
        return [self._interruption("over_coach", f"{who} while the coach spoke", ev.t)]

    def _interruption(self, kind: str, detail: str, t: float) -> Note:
        self.interruptions += 1
        return Note("interruption", f"{kind}: {detail}", t, value=self.interruptions)

    def _on_breath(self, ev: SpeechStopped) -> list[Advice]:
        turn = self._turn
        if turn is None or turn.speech_since is None:
            return []
        turn.voiced += max(0.0, ev.t - turn.speech_since)
        turn.speech_since, turn.last_stop = None, ev.t
        talked = ev.t - turn.start
        if (
            self._role in SENDER_ROLES and not turn.long_said
            and talked >= self.p.long_piece - 1e-9 and not self._coach_speaking(ev.t)
        ):
            turn.long_said = True
            note = Note("long_piece", f"{talked:.1f} s without a real pause", ev.t, value=round(talked, 3))
            return [note, Remind(PAUSE_FOR_MIRROR, ev.t)]
        return []

    def _on_hand_over(self, ev: HandedOver) -> list[Advice]:
        turn = self._turn
        if turn is not None:
            turn.voiced = max(0.0, turn.voiced - (ev.until - ev.since))
            turn.speech_since, turn.last_stop = None, ev.end
        self._next = _Turn(ev.since, voiced=ev.until - ev.since, last_stop=ev.until)
        return []

    def _on_turn_done(self, ev: TurnDone) -> list[Advice]:
        turn, self._turn = self._turn, None
        out: list[Advice] = []
        self._cue_owed = ev.role not in UNCUED_ROLES
        if turn is not None:
            if turn.speech_since is not None:  # no breath reported: speech ran to the turn's end
                turn.voiced += max(0.0, ev.t - turn.speech_since)
                turn.last_stop = ev.t
            self._last_end = turn.last_stop
        self._last_speaker = ev.speaker
        if self.interruptions >= self.p.interruptions:
            self.interruptions = 0
            out.append(Remind(ONE_AT_A_TIME, ev.t))
        if ev.role in PACED_ROLES and turn is not None:
            self._pending[ev.turn] = (turn.voiced, ev.role)
            if ev.text is not None:
                out += self._on_text(ev.turn, ev.text, ev.t, reminded=bool(out))
        if self._next is not None:  # the other partner took the turn on their own, before any cue
            self._turn, self._next = self._next, None
            out += self._breath(self._turn.start)
            if self._cue_owed:  # as one who answers in the mirror prompt's held breath
                self._turn.interrupted = True
                out.append(self._interruption("before_cue", "answered before the cue", self._turn.start))
            self._cue_owed = False
        return out

    def _breath(self, t: float) -> list[Advice]:
        """How long the turn beginning at `t` waited after the last one."""
        if self._last_end is None:
            return []
        gap = t - self._last_end
        return [Note("breath", f"{gap:.2f} s after the last turn", t, value=round(gap, 3))]

    def _on_text(self, turn: int, text: str, t: float, reminded: bool = False) -> list[Advice]:
        """Every share's and mirror's pace is noted (the report's one measure of pace); only a
        sender is reminded to slow down."""
        pending = self._pending.pop(turn, None)
        words = len(normalise(text).split())
        if pending is None or words == 0 or pending[0] <= 0:  # no share or mirror, words or speech
            return []
        voiced, role = pending
        wpm = 60.0 * words / voiced
        note = Note("pace", f"{wpm:.0f} wpm over {voiced:.1f} s of speech", t, turn, round(wpm, 1))
        fast = role == Step.SHARE and wpm > self.p.pace_wpm and voiced >= self.p.pace_min_speech - 1e-9
        rested = self._last_pace_cue is None or t - self._last_pace_cue >= self.p.pace_interval - 1e-9
        quiet = self._turn is None and not self._coach_busy(t)
        if fast and rested and quiet and not reminded:
            self._last_pace_cue = t
            return [note, Remind(SLOW_DOWN, t)]
        return [note]
