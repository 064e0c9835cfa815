"""Who spoke: each turn's partner, and what their voice tells at each breath.

The protocol gives every turn to a partner; the voice, told at a breath (whose_voice.py), says
whether it was them. That answers three questions the protocol cannot: was the partner the coach
just answered not done (the answer is taken back, `TakeBack`), who talked over the coach (a
`TalkOverName`), and did the other partner cut in. No clock and no protocol here: the loop tells
these what happened and acts on what they answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..events import SpeechStarted, SpeechStopped
from .audio_history import AudioHistory, speech_level_db
from .classifiers import SAMPLE_RATE
from .partner_voices import PartnerVoices, Verdict
from .patience import Pause
from .turns import WentOn
from .voiceprint import VoiceEncoder
from .whose_voice import VoiceParams, WhoseVoice

# A voiceprint from the last seconds of a stretch of speech: enough to know a voice, and its cost
# (~45 ms of one core a second of speech) stays small however long the partner talked without a breath.
VOICE_SECS = 3.0
# A partner who talked over the coach and goes on after the cue is heard from the moment the
# microphone opens (their speech's start, as the gate dates it, within this long of the verdict);
# their voice, at the first breath long enough to tell, says who. A later start is an answer.
OVER_COACH_WAIT = 0.3  # Silero takes a few frames to rise after the shut microphone
# Nobody has gone on after a talk-over if the gate, this long after the wait, has said nothing.
OVER_COACH_GIVE_UP = 0.5


@dataclass(frozen=True)
class Stretch:
    """A stretch of speech, [start, stop), in `turn`, which the protocol gave to `expected`.
    `heard`: whose voice it was, when long enough to tell; `sure`: `expected`'s voice was known
    before this stretch taught it more."""

    turn: int | None
    start: float | None
    stop: float
    expected: str | None
    heard: str | None
    sure: bool


class WhoSpoke:
    """Whose each turn is and whose voice each stretch of speech was. Without a voice encoder no
    voice is told, and every turn is the partner the protocol gave it to. With the partners'
    hellos (`couple`), a turn can also be told as another voice than theirs (`verdict`)."""

    def __init__(self, partners: tuple[str, str], params: VoiceParams, encoder: VoiceEncoder | None,
                 history: AudioHistory, couple: PartnerVoices | None = None) -> None:
        self.voices = WhoseVoice(partners, params)
        self.couple = couple or PartnerVoices(partners)
        self._encoder, self._history = encoder, history
        for name, hello in self.couple.hellos.items():  # kept from an earlier session
            self.voices.learn(name, hello.vector)
        self._prints: dict[int, list[tuple[np.ndarray, float]]] = {}  # each turn's told stretches
        self._speakers: dict[int, str | None] = {}
        self._turn: int | None = None  # the turn the current speech belongs to
        self._since: float | None = None  # start of the current stretch of speech
        self._pause: WentOn | None = None  # a pause inside the turn, whose it was told at the next breath
        self._carried: list[tuple[np.ndarray, float]] = []  # a stretch told, for the turn it begins

    def turn_started(self, turn: int, who: str | None) -> None:
        self._speakers[turn] = who
        self._turn = turn
        if self._carried:
            self._prints[turn], self._carried = self._carried, []

    def handed_over(self) -> None:
        """The stretch just told began the next turn (TurnDetector.hand_over), not the current
        one's: its voiceprint goes with it, and the pause before it was not the partner's."""
        prints = self._prints.get(self._turn, []) if self._turn is not None else []
        self._carried = prints[-1:]
        del prints[-1:]
        self._pause = None

    def speaker(self, turn: int) -> str | None:
        return self._speakers.get(turn)

    def forget(self, turn: int) -> str | None:
        """The turn is done with (its words are in): whose it was."""
        return self._speakers.pop(turn, None)

    def hello(self, who: str, start: float, end: float) -> bool:
        """The turn [start, end) was `who`'s hello: whether it was long enough to know their voice.
        A hello taken back (they went on over the next cue) keeps the voice its first part gave:
        the turn that went on may have been the other partner's, eager, told as theirs."""
        self._prints.clear()
        if who in self.couple.hellos:
            return True
        if self._encoder is None:
            return False
        audio = self._history.slice(start, end)
        enrolled = self.couple.enrol(who, self._encoder.embed(audio), speech_level_db(audio), end - start)
        if enrolled:
            self.voices.learn(who, self.couple.hellos[who].vector)
        return enrolled

    def verdict(self, turn: int, start: float, end: float) -> Verdict:
        """Whether the turn [start, end) was the couple's, from the stretches told in it (their
        voiceprints weighed by length), or from the whole turn when none was long enough."""
        prints = self._prints.pop(turn, [])
        if not self.couple.ready:
            return self.couple.judge(None, 0.0, 0.0)
        audio = self._history.slice(start, end)
        level = speech_level_db(audio)
        if not prints:
            if end - start < self.couple.p.tell_secs or self._encoder is None:
                return self.couple.judge(None, level, end - start)
            vector = self._encoder.embed(audio[-int(VOICE_SECS * SAMPLE_RATE):])
            return self.couple.judge(vector, level, end - start)
        secs = sum(s for _, s in prints)
        mean = sum(v * s for v, s in prints) / secs
        return self.couple.judge(mean / (np.linalg.norm(mean) + 1e-9), level, secs)

    def taken_back(self, who: str) -> None:
        """The current turn is `who`'s: an answer to them was taken back."""
        assert self._turn is not None
        self._speakers[self._turn] = who

    def went_on(self, pause: WentOn) -> None:
        """Speech went on after a pause inside the turn: whose pause it was is told at the next breath."""
        self._pause = pause

    def on_speech(self, change: SpeechStarted | SpeechStopped) -> Stretch | None:
        """Speech started (None), or stopped at a breath: the stretch that stopped, its voice told
        if it is long enough (up to ~130 ms, once per stretch, like Smart Turn's judgement: the
        audio queue absorbs it)."""
        if isinstance(change, SpeechStarted):
            self._since = change.t
            return None
        start, stop, self._since = self._since, change.t, None
        expected = self._speakers.get(self._turn) if self._turn is not None else None
        sure = expected is not None and self.voices.known(expected)  # before this speech teaches it
        heard = None
        telling = expected is not None or self.couple.ready
        long_enough = start is not None and stop - start >= self.voices.p.min_secs
        if self._encoder is not None and start is not None and telling and long_enough:
            audio = self._history.slice(max(start, stop - VOICE_SECS), stop)
            vector = self._encoder.embed(audio)
            if self._turn is not None:
                self._prints.setdefault(self._turn, []).append((vector, stop - start))
            theirs = self.couple.judge(vector, speech_level_db(audio), stop - start).couple
            if expected is not None and theirs:  # another voice is not learnt as a partner's
                heard = self.voices.heard(expected, vector, stop - start)
        return Stretch(self._turn, start, stop, expected, heard, sure)

    def pause_before(self, heard: str | None) -> Pause | None:
        """The pause a partner went on after, to be learnt, unless the voice after it was told as
        the other's (starting in the pause); an "mm" too short to tell is taken for the partner's
        own, which can only make a pause seem shorter."""
        went, self._pause = self._pause, None
        if went is None:
            return None
        who = self._speakers.get(went.turn)
        if heard is None or heard == who:
            return Pause(who, went.pause, went.t, went.finished)
        return None


@dataclass(frozen=True)
class GoingOn:
    """The partner the coach had just answered, going on: the answer is taken back from `at`."""

    who: str
    at: float
    pause: Pause  # the pause they went on after: the coach learns to wait longer for them


class TakeBack:
    """The last turn the coach answered as it ended: if the next turn's first voice is that
    partner going on, over the cue or after it, the answer came too soon."""

    def __init__(self) -> None:
        self._turn: int | None = None
        self._speech_end = 0.0

    def answered(self, turn: int | None, speech_end: float) -> None:
        """The coach answered `turn` (None: it did not answer the turn that ended)."""
        self._turn, self._speech_end = turn, speech_end

    def going_on(self, told: Stretch, over_coach: float | None) -> GoingOn | None:
        """Whether the first voice told in the turn after an answer is the partner answered.
        `over_coach`: when they talked over the cue, if they did; then the pause also teaches the
        coach to wait longer for them (after the cue it was longer than any hold). Without a
        talk-over, only a voice told against a known one counts: the receiver's first mirror is
        the likeliest to be misheard."""
        heard, expected, start = told.heard, told.expected, told.start
        if heard is None or expected is None or start is None:
            return None
        if self._turn is None or told.turn != self._turn + 1:
            return None
        self._turn = None  # the turn's first voice only: later on, the other speaking is a cut-in
        if heard == expected or (over_coach is None and not told.sure):
            return None
        at = start if over_coach is None else over_coach
        return GoingOn(heard, at, Pause(heard, at - self._speech_end, at))


@dataclass
class _TalkOver:
    at: float  # when the partner's speech over the coach began
    by: float | None  # speech must start by then to be them going on after the cue; None: it did


class TalkOverName:
    """A talk-over of the coach (over_coach.py) waits to be told with the voice that goes on after
    the cue. Each method answers the start of a talk-over that is to be told now (None: none)."""

    def __init__(self) -> None:
        self._waiting: _TalkOver | None = None

    @property
    def at(self) -> float | None:
        """When the talk-over waiting for its name began."""
        return self._waiting.at if self._waiting is not None else None

    def heard(self, at: float, now: float) -> float | None:
        """A talk-over from `at`, found at `now`; an earlier one still unnamed (cues back to back)
        is told without a name."""
        earlier = self.name()
        self._waiting = _TalkOver(at, now + OVER_COACH_WAIT)
        return earlier

    def on_speech(self, change: SpeechStarted | SpeechStopped | None, now: float) -> float | None:
        """Speaking as the microphone opened: they went on from the cue, told by voice at a breath.
        Nobody went on (the gate would have said by now): told without a name."""
        waiting = self._waiting
        if waiting is None or waiting.by is None:
            return None
        if isinstance(change, SpeechStarted) and change.t <= waiting.by:
            waiting.by = None
        elif now >= waiting.by + OVER_COACH_GIVE_UP:
            return self.name()
        return None

    def name(self) -> float | None:
        """The talk-over waiting, to be told now (with the voice heard, or unnamed)."""
        at = self.at
        self._waiting = None
        return at
