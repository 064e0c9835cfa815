"""The Imago Dialogue and its exercises as a pure state machine: events in, decisions out.

No I/O and no clock: time arrives inside the events. The loop reports turns (with their
transcripts), the end of each cue and the passing of time; the protocol answers with cues to say,
notes to log, things to keep, and when to finish. Which phases an exercise has is data
(exercises.py); how each phase runs is here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ..events import SELF_HARM, CueFinished, Note, Tick, TurnEnded, TurnStarted, TurnTranscribed
from . import answers
from .exercises import Exercise, Phase
from .phrasebook import Phrasebook


class Step(str, Enum):
    SAFETY = "safety"
    HELLO = "hello"  # a partner says hello, so the coach knows their voice (partner_voices.py)
    HELLO_KEEP = "hello_keep"  # may the voices be kept for next time?
    APPOINTMENT = "appointment"  # the sender asks "is now a good time?"
    APPOINTMENT_ANSWER = "appointment_answer"
    SHARE = "share"
    MIRROR = "mirror"
    CHECK = "check"
    MORE = "more"
    SUMMARY = "summary"
    SUMMARY_CHECK = "summary_check"
    SUMMARY_MISSED = "summary_missed"
    VALIDATE = "validate"
    EMPATHY = "empathy"
    EMPATHY_CHECK = "empathy_check"
    EMPATHY_MISSED = "empathy_missed"
    EMPATHY_MIRROR = "empathy_mirror"
    GIFT = "gift"
    FLOOD = "flood"
    DONE = "done"


# Steps spoken at length (a piece, a mirror, a summary...), whose next cue does not depend on the
# words: a turn of real length there gets its cue as soon as it ends, without waiting for the
# transcript. Short turns may be commands or noise.
SPOKEN_AT_LENGTH = frozenset({
    Step.SHARE, Step.MIRROR, Step.SUMMARY, Step.SUMMARY_MISSED, Step.VALIDATE, Step.EMPATHY,
    Step.EMPATHY_MISSED, Step.EMPATHY_MIRROR,
})

# Steps spoken at length whose answer gives the turn to the other partner (a piece to its mirror, a
# mirror to "did I get it?"): there the other partner may begin on their own, and the turn is theirs.
HANDS_OVER = SPOKEN_AT_LENGTH - {Step.VALIDATE, Step.EMPATHY_MIRROR}

# Steps whose turns the coach does not answer: the other partner does, without waiting for a cue
# ("is now a good time?", the appreciations of positive flooding).
UNANSWERED = frozenset({Step.APPOINTMENT, Step.FLOOD})

# How each question's answer is read (answers.py); the steps not here expect a piece, not an answer.
_ANSWER_READERS = {
    Step.SAFETY: answers.yes_or_no, Step.HELLO_KEEP: answers.yes_or_no,
    Step.APPOINTMENT_ANSWER: answers.yes_or_no,
    Step.CHECK: answers.did_they_get_it, Step.SUMMARY_CHECK: answers.did_they_get_it,
    Step.EMPATHY_CHECK: answers.did_they_get_it, Step.MORE: answers.is_there_more,
}

# A hello is all it asks for once it holds a sentence of this many words, ended ("Hi, I'm Alex. I
# had a long day at work."): it is answered after a short silence (HelloParams.end_after), not held
# like a piece. Fewer words ("Hi, I'm Alex.") or an open end ("... and") wait as a piece does.
HELLO_WORDS = 6

_RECEIVER_SPEAKS = {
    Step.APPOINTMENT_ANSWER, Step.MIRROR, Step.SUMMARY, Step.VALIDATE, Step.EMPATHY,
    Step.EMPATHY_MIRROR, Step.GIFT,
}
# Steps in which the receiver speaks at length and may hand the turn back with a closing question.
_HANDED_BACK = SPOKEN_AT_LENGTH & _RECEIVER_SPEAKS


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
class Keep:
    """Something the couple will want later (a request given as a gift)."""

    kind: str
    text: str


@dataclass(frozen=True)
class Acknowledge:
    """The couple heard the safety note and chose to go on; remember it."""


@dataclass(frozen=True)
class KeepVoices:
    """The couple's answer to keeping their voices for later sessions; remember it."""

    keep: bool


Decision = Say | Finish | Note | Keep | Acknowledge | KeepVoices


@dataclass(frozen=True)
class _Place:
    """Where the dialogue stands: what answering a turn changes, and taking the answer back
    restores."""

    step: Step
    pieces: int
    mirror_loops: int
    phase_index: int
    stem_index: int
    senders_done: int
    sender: str
    receiver: str
    last_prompt: Say | None
    last_said: str | None
    hello_for: str | None  # the hellos: whose is awaited, whose are still to ask, and the keep question
    hellos_to_ask: tuple[str, ...]
    ask_keep: bool


@dataclass(frozen=True)
class ProtocolParams:
    remind_after: float = 30.0  # silence after a cue before a gentle reminder
    pause_after: float = 45.0  # further silence after the reminder before the coach pauses
    flood_secs: float = 120.0  # each partner's time to be showered with appreciations
    timeout_word: str = "time out"
    early_cue_speech: float = 1.5  # a content turn this long is answered before its words arrive
    break_secs: float = 1200.0  # a time-out when it gets heated: the couple comes back after this long


class Dialogue:
    def __init__(
        self, exercise: Exercise, partner_a: str, partner_b: str, book: Phrasebook,
        params: ProtocolParams | None = None, first_use: bool = False, hello: bool = False,
        ask_keep: bool = False,
    ) -> None:
        """`hello`: each partner says hello first, so the coach knows their voice; `ask_keep`: then
        the couple is asked whether their voices may be kept for later sessions."""
        self.exercise, self.book = exercise, book
        self.p = params or ProtocolParams()
        self.sender, self.receiver = partner_a, partner_b
        self.step = Step.SAFETY if first_use else Step.SHARE
        self.first_use = first_use
        self._hello_for: str | None = None  # whose hello is awaited; None: no hello (any more)
        self._hellos_to_ask = [partner_a, partner_b] if hello else []
        self._hello_retried: set[str] = set()
        self._ask_keep = ask_keep
        self._introduced = False  # the exercise's intro was said
        self._told_out_of_turn: tuple[int, int, int] | None = None  # the round a partner was told so
        self.phase_index = 0
        self.stem_index = 0
        self.senders_done = 0
        self.pieces = 0  # pieces the current sender has shared in this phase
        self.mirror_loops = 0  # extra mirrors of the current piece
        self.paused = False
        self._resumes_needed = 0
        self._resumes_heard = 0
        self._asked_again = False
        self._last_prompt: Say | None = None  # the last cue that asked someone to speak
        self._last_said: str | None = None
        self._waiting_since: float | None = None  # for a partner who stays silent
        self._reminded = False
        self._turn_open = False
        self._flood_started: float | None = None
        self._answered: set[int] = set()  # turns already answered at their end
        # The state before the last turn answered at its end, and whose turn that was: the answer
        # can be taken back while nothing else has happened since.
        self._before_answer: tuple[str, _Place] | None = None
        self._caring = False  # paused because a partner's words told of danger
        self._care_due: list[Decision] = []  # the care message, said when the turn under way ends
        self._break_ends: float | None = None  # a time-out's check-in is due then

    # -- who and what -------------------------------------------------------------------

    @property
    def speaker(self) -> str | None:
        """Whose voice the coach expects next (None: either, or nobody)."""
        if self.step in (Step.SAFETY, Step.HELLO_KEEP, Step.DONE) or self.paused:
            return None
        if self.step is Step.HELLO:
            return self._hello_for
        return self.receiver if self.step in _RECEIVER_SPEAKS else self.sender

    def hand_over(self) -> tuple[str, float] | None:
        """Who may take the turn under way over by beginning on their own after it sounded
        finished, and how long it must have been to be answered as it ended (None: nobody; the
        next speaker hangs on the words, or the session is paused)."""
        who = self.speaker
        if self.paused or self.step not in HANDS_OVER or who is None:
            return None
        return (self.sender if who == self.receiver else self.receiver), self.p.early_cue_speech

    def complete_answer(self, text: str) -> bool:
        """Whether `text` already is all this step asks for: a command, a short plain answer to
        the question asked ("yes", "partly", "that's all"), or a mirror that ends with the Imago's
        closing question ("... Did I get it?"). Such words are answered at once; anything else may
        go on after a pause, and is waited for as a piece is."""
        if answers.command(text, self.book, self.p.timeout_word) is not None:
            return True
        if self.step in _HANDED_BACK:
            return answers.hands_back(text, self.book)
        if self.step is Step.HELLO:
            return len(text.split()) >= HELLO_WORDS and text.rstrip().endswith((".", "!", "?"))
        read = _ANSWER_READERS.get(self.step)
        if read is None or len(text.split()) > answers.SHORT_ANSWER_WORDS:
            return False
        return read(text, self.book) not in (None, "going_on")

    @property
    def asks_answer(self) -> bool:
        """Whether this step asked a question (yes, partly, no, that's all) rather than for a piece."""
        return self.step in _ANSWER_READERS

    @property
    def phase(self) -> Phase:
        return self.exercise.phases[self.phase_index]

    def _say(self, key: str, prompt: bool = True) -> Say:
        say = Say(key, self.sender, self.receiver)
        self._last_said = key
        if prompt:
            self._last_prompt = say
        self._waiting_since, self._reminded = None, False
        return say

    # -- events -------------------------------------------------------------------------

    def start(self) -> list[Decision]:
        if self.first_use:
            return [self._say("safety_note")]
        return self._hello_or_begin()

    @property
    def hearing_hello(self) -> bool:
        """A partner's hello is awaited: the turn ending is theirs, told by `on_hello`."""
        return self.step is Step.HELLO and not self.paused

    def on_hello(self, turn: int, heard: bool) -> list[Decision]:
        """The turn that ended in the hello step gave its partner's voice (`heard`), or was too short
        or unclear to: asked again once, then the session goes on without the voice check."""
        self._turn_open = False
        self._answered.add(turn)  # its words change nothing
        who = self._hello_for
        if who is None:
            return []
        if heard:  # a partner who goes on over the next cue was cut: it is taken back (take_back)
            before = self._place()
            out = [Note("hello", who), *self._hello_or_begin()]
            self._before_answer = (who, before)
            return out
        if who not in self._hello_retried:
            self._hello_retried.add(who)
            return [Note("hello", f"{who}: again"), self._say_to(who, "hello_again")]
        self._hellos_to_ask = []
        self._ask_keep = False
        return [Note("hello", f"{who}: failed"), self._say("hello_failed", prompt=False), *self._begin()]

    def _hello_or_begin(self) -> list[Decision]:
        if self._hellos_to_ask:
            intro = self._intro()
            who = self._hellos_to_ask.pop(0)
            self._hello_for, self.step = who, Step.HELLO
            return [*intro, self._say_to(who, "hello" if who == self.sender else "hello_next")]
        self._hello_for = None
        if self._ask_keep:
            self._ask_keep = False
            self.step = Step.HELLO_KEEP
            return [self._say("hello_keep")]
        return self._begin()

    def _say_to(self, who: str, key: str) -> Say:
        """A cue to the partner `who`, whichever role they have: `who` fills {sender}."""
        say = self._say(key)
        if who != self.sender:
            say = Say(key, who, self.sender)
            self._last_prompt = say
        return say

    def _after_keep(self, text: str) -> list[Decision]:
        keep = answers.yes_or_no(text, self.book) == "yes"  # unclear: nothing about a voice is kept
        said = self._say("hello_kept" if keep else "hello_not_kept", prompt=False)
        return [KeepVoices(keep), Note("answer", "keep voices" if keep else "do not keep voices"), said,
                *self._begin()]

    def on_turn_started(self, ev: TurnStarted) -> list[Decision]:
        self._turn_open = True
        self._waiting_since = None
        return []

    def on_other_voice(self, t: float) -> None:
        """The turn that ended was another voice than the partners' (a television): no turn at all.
        The coach goes on waiting, its reminder counted from now."""
        self._turn_open = False
        if self._last_said is not None and self.step is not Step.DONE:
            self._waiting_since = t

    def on_wrong_partner(self, heard: str, t: float) -> list[Decision] | None:
        """The turn that ended was told by voice as `heard`'s, in the other partner's turn: named
        gently and not taken, once a round (a piece and its mirror); None: taken as usual, as a
        voice misjudged twice in a round costs more than a partner speaking out of turn."""
        expected = self.speaker
        if expected is None or heard == expected or self.step is Step.HELLO:
            return None
        round_ = (self.senders_done, self.phase_index, self.pieces)
        if self._told_out_of_turn == round_:
            return None
        self._told_out_of_turn = round_
        self.on_other_voice(t)
        key = "wrong_partner_listen" if expected == self.sender else "wrong_partner_mirror"
        return [Note("wrong_partner", f"{heard} spoke in {expected}'s turn"), self._say(key, prompt=False)]

    def on_cue_finished(self, ev: CueFinished) -> list[Decision]:
        if ev.key == "care_break" and self.paused:
            self._break_ends = ev.t + self.p.break_secs
        if ev.key == self._last_said and self.step is not Step.DONE:
            self._waiting_since = ev.t
            if ev.key == "flooding":
                self._flood_started = ev.t
        return []

    def on_tick(self, ev: Tick) -> list[Decision]:
        if self._break_ends is not None and ev.t >= self._break_ends and not self._turn_open and self.paused:
            self._break_ends = None
            return [self._say("care_check_in", prompt=False)]
        if self.step is Step.DONE or self.paused or self._turn_open:
            return []
        if self.step is Step.FLOOD:
            if self._flood_started is not None and ev.t - self._flood_started >= self.p.flood_secs:
                self._flood_started = None
                return [self._say("flooding_time", prompt=False), *self._end_phase()]
            return []
        if self._waiting_since is None:
            return []
        quiet = ev.t - self._waiting_since
        if not self._reminded and quiet >= self.p.remind_after:
            say = self._say("reminder", prompt=False)
            self._reminded = True
            return [Note("silence", f"{quiet:.0f} s"), say]
        if self._reminded and quiet >= self.p.pause_after:
            return [Note("silence", f"{quiet:.0f} s after reminder"), *self._pause("silence_pause", 1)]
        return []

    def on_turn_ended(self, ev: TurnEnded) -> list[Decision]:
        """Answer a long enough turn at once where the words do not matter for the next cue."""
        self._turn_open = False
        self._before_answer = None
        if self._care_due:
            due, self._care_due = self._care_due, []
            return due
        long_enough = ev.end - ev.start >= self.p.early_cue_speech
        who = self.speaker
        if self.paused or self.step not in SPOKEN_AT_LENGTH or not long_enough or who is None:
            return []
        self._answered.add(ev.turn)
        before = self._place()
        out = self._answer("", ev.decided_at)
        if self.step is not Step.DONE:
            self._before_answer = (who, before)
        return out

    def take_back(self, who: str) -> list[Decision]:
        """`who`, whose turn was just answered, went on speaking: the coach answered too soon.
        Back to where it was, so that the turn going on is theirs and is answered when it ends."""
        if self._before_answer is None or self._before_answer[0] != who:
            return []
        self._restore_before_answer()
        return [Note("taken_back", f"{who} went on; the coach waits for the rest")]

    def _place(self) -> _Place:
        return _Place(self.step, self.pieces, self.mirror_loops, self.phase_index, self.stem_index,
                      self.senders_done, self.sender, self.receiver, self._last_prompt, self._last_said,
                      self._hello_for, tuple(self._hellos_to_ask), self._ask_keep)

    def _restore_before_answer(self) -> None:
        if self._before_answer is not None:
            p = self._before_answer[1]
            self.step, self.pieces, self.mirror_loops = p.step, p.pieces, p.mirror_loops
            self.phase_index, self.stem_index, self.senders_done = p.phase_index, p.stem_index, p.senders_done
            self.sender, self.receiver = p.sender, p.receiver
            self._last_prompt, self._last_said = p.last_prompt, p.last_said
            self._hello_for, self._ask_keep = p.hello_for, p.ask_keep
            self._hellos_to_ask = list(p.hellos_to_ask)
            self._before_answer = None

    def on_danger(self, kind: str) -> list[Decision]:
        """A partner's words told of danger (care.py): the exercise stops, the coach says where to
        find help, and the session waits, paused: "stop session" ends it; it goes on only if both say
        "resume". An answer already given to the turn is taken back, so nothing of it is mirrored.
        The message comes as the turn under way ends, never over the partner still speaking."""
        if self.step is Step.DONE:
            return []
        note = Note("care", kind)
        if self._caring:
            return [note]  # once a pause
        self._restore_before_answer()
        self._caring, self._break_ends = True, None
        said = self._pause("care_self_harm" if kind == SELF_HARM else "care_danger", 2)
        return self._when_turn_ends(note, said)

    def on_heated(self, signs: str) -> list[Decision]:
        """It got heated (heat.py, `signs` says how): a time-out, the Imago way. The coach names it
        kindly and the session pauses; at the set time it guides a breath and checks in. Both say
        "resume" to go on (sooner, if they both wish); "stop session" ends it. As for danger, the
        partner speaking finishes first."""
        if self.step is Step.DONE or self.paused:
            return []
        self._restore_before_answer()
        return self._when_turn_ends(Note("heated", signs), self._pause("care_break", 2))

    def _when_turn_ends(self, note: Note, said: list[Decision]) -> list[Decision]:
        if self._turn_open:
            self._care_due = said
            return [note]
        return [note, *said]

    def on_transcript(self, ev: TurnTranscribed) -> list[Decision]:
        self._turn_open = False
        if self.step is Step.DONE:
            return []
        if ev.turn in self._answered:  # already answered: only a stop or a time-out still counts
            self._answered.discard(ev.turn)
            cmd = answers.command(ev.text, self.book, self.p.timeout_word)
            if cmd not in answers.ANYWHERE:
                return []
            self._before_answer = None
            return self._command(cmd) or []
        self._before_answer = None
        text = ev.text.strip()
        if not text:
            self._waiting_since = ev.t
            return [Note("ignored_turn", "no words")]
        cmd = answers.command(text, self.book, self.p.timeout_word)
        if cmd is not None:
            handled = self._command(cmd)
            if handled is not None:
                return handled
        if self.paused:
            return [Note("ignored_turn", "paused")]
        if self.step is Step.FLOOD:
            return [Note("appreciation", "")]
        return self._answer(text, ev.t)

    # -- commands -----------------------------------------------------------------------

    def _command(self, cmd: str) -> list[Decision] | None:
        note = Note("command", cmd)
        if cmd == "stop":
            self.step = Step.DONE
            return [note, self._say("goodbye", prompt=False), Finish("stopped by voice")]
        if cmd == "time_out":
            return [note, *self._pause("time_out", 2)]
        if cmd == "resume":
            if not self.paused:
                return None  # "ready", "continue": an ordinary answer then
            self._resumes_heard += 1
            if self._resumes_heard < self._resumes_needed:
                return [note, self._say("one_ready", prompt=False)]
            self.paused = self._caring = False
            self._break_ends = None
            out: list[Decision] = [note, self._say("resumed", prompt=False)]
            if self._last_prompt is not None:
                out.append(self._say(self._last_prompt.key))
            return out
        if self.paused:
            return [Note("ignored_command", cmd)]
        if cmd == "pause":
            return [note, *self._pause("paused", 1)]
        if cmd == "repeat":
            key = self._last_prompt.key if self._last_prompt else self._last_said
            return [note, self._say(key)] if key else [note]
        if cmd == "skip":
            return [note, self._say("skipped", prompt=False), *self._skip()]
        if cmd == "switch":
            return [note, *self._next_sender()]
        return None

    def _pause(self, key: str, resumes: int) -> list[Decision]:
        self.paused = True
        self._resumes_needed, self._resumes_heard = resumes, 0
        return [self._say(key, prompt=False)]

    def _skip(self) -> list[Decision]:
        if self.step in (Step.SHARE, Step.MIRROR, Step.CHECK) and self.phase.stems:
            return self._next_stem()
        return self._end_phase()

    # -- the flow -----------------------------------------------------------------------

    def _begin(self) -> list[Decision]:
        return [*self._intro(), *self._begin_phase()]

    def _intro(self) -> list[Decision]:
        """The exercise's welcome, once: before the hellos when there are any."""
        if self._introduced:
            return []
        self._introduced = True
        return [self._say(self.exercise.intro, prompt=False)]

    def _begin_phase(self) -> list[Decision]:
        phase, self.stem_index, self.pieces, self.mirror_loops = self.phase, 0, 0, 0
        out: list[Decision] = [Note("phase", phase.kind)]
        if phase.kind == "appointment":
            self.step = Step.APPOINTMENT
            return [*out, self._say("appointment")]
        if phase.kind == "pieces":
            self.step = Step.SHARE
            return [*out, self._say(phase.stems[0] if phase.stems else "sender_starts")]
        if phase.kind == "summary":
            self.step = Step.SUMMARY
            return [*out, self._say("summary")]
        if phase.kind == "validate":
            self.step = Step.VALIDATE
            return [*out, self._say("validate")]
        if phase.kind == "empathy":
            self.step = Step.EMPATHY
            return [*out, self._say("empathy")]
        if phase.kind == "gift":
            self.step = Step.GIFT
            return [*out, self._say("gift")]
        if phase.kind == "flood":
            self.step = Step.FLOOD
            return [*out, self._say("flooding")]
        key = "thanks_round" if phase.kind == "thanks" else phase.key
        return [*out, self._say(key, prompt=False), *self._end_phase()]

    def _end_phase(self) -> list[Decision]:
        self.phase_index += 1
        if self.phase_index < len(self.exercise.phases):
            return self._begin_phase()
        return self._next_sender()

    def _next_sender(self) -> list[Decision]:
        self.senders_done += 1
        if self.senders_done >= self.exercise.senders:
            self.step = Step.DONE
            return [self._say("close", prompt=False), Finish("complete")]
        self.sender, self.receiver = self.receiver, self.sender
        self.phase_index = 0
        while self.phase.first_sender_only:
            self.phase_index += 1
        return [self._say("switch", prompt=False), *self._begin_phase()]

    def _next_stem(self) -> list[Decision]:
        self.stem_index += 1
        self.mirror_loops = 0
        if self.stem_index < len(self.phase.stems):
            self.step = Step.SHARE
            return [self._say(self.phase.stems[self.stem_index])]
        return self._end_phase()

    def _answer(self, text: str, t: float) -> list[Decision]:
        step = self.step
        if step is Step.SAFETY:
            return self._after_safety(text)
        if step is Step.HELLO_KEEP:
            return self._after_keep(text)
        if step is Step.HELLO:  # hellos are told at their turn's end (on_hello), never by words
            return []
        if step is Step.APPOINTMENT:
            self.step = Step.APPOINTMENT_ANSWER
            self._waiting_since = t
            return []
        if step is Step.APPOINTMENT_ANSWER:
            if answers.yes_or_no(text, self.book) == "no":
                self.step = Step.DONE
                return [Note("answer", "not now"), self._say("appointment_later", prompt=False),
                        Finish("not now")]
            return [Note("answer", "yes"), *self._end_phase()]
        if step is Step.SHARE:
            if self.mirror_loops == 0:
                self.pieces += 1
            self.step = Step.MIRROR
            return [self._say("prompt_mirror")]
        if step is Step.MIRROR:
            self.step = Step.CHECK
            return [self._say("check")]
        if step is Step.CHECK:
            return self._after_check(text)
        if step is Step.MORE:
            return self._after_more(text)
        if step is Step.SUMMARY:
            self.step = Step.SUMMARY_CHECK
            return [self._say("summary_check")]
        if step is Step.SUMMARY_CHECK:
            return self._after_summary_check(text)
        if step is Step.SUMMARY_MISSED:
            self.step = Step.SUMMARY
            return [self._say("prompt_mirror")]
        if step is Step.EMPATHY:
            self.step = Step.EMPATHY_CHECK
            return [self._say("empathy_check")]
        if step is Step.EMPATHY_CHECK:
            kind = answers.did_they_get_it(text, self.book)
            if kind in ("partly", "no"):
                self.step = Step.EMPATHY_MISSED
                return [Note("answer", kind), self._say("empathy_missed")]
            if kind == "going_on":
                self.step = Step.EMPATHY_MIRROR
                return [Note("answer", kind), self._say("empathy_mirror")]
            return [Note("answer", kind or "assumed_yes"), *self._end_phase()]
        if step is Step.EMPATHY_MISSED:
            self.step = Step.EMPATHY_MIRROR
            return [self._say("empathy_mirror")]
        if step is Step.GIFT:
            return [Keep("request", text), self._say("gift_thanks", prompt=False), *self._end_phase()]
        # VALIDATE, EMPATHY_MIRROR: the receiver has spoken; the phase is complete.
        return self._end_phase()

    def _after_safety(self, text: str) -> list[Decision]:
        kind = answers.yes_or_no(text, self.book)
        if kind == "yes":
            return [Acknowledge(), Note("answer", "agreed"), *self._hello_or_begin()]
        if kind is None and not self._asked_again:
            self._asked_again = True
            return [Note("answer", "unclear"), self._say("safety_note")]
        self.step = Step.DONE
        return [Note("answer", "declined"), self._say("safety_declined", prompt=False),
                Finish("declined")]

    def _after_check(self, text: str) -> list[Decision]:
        kind = answers.did_they_get_it(text, self.book)
        if kind is None and not self._asked_again:
            self._asked_again = True
            return [Note("answer", "unclear"), self._say("ask_again")]
        self._asked_again = False
        if kind in ("partly", "no"):
            self.mirror_loops += 1
            self.step = Step.SHARE
            return [Note("answer", kind), Note("mirror_loop", str(self.mirror_loops)),
                    self._say("say_missed")]
        if kind == "going_on":  # the sender is already saying what was missed
            self.mirror_loops += 1
            self.step = Step.MIRROR
            return [Note("answer", kind), Note("mirror_loop", str(self.mirror_loops)),
                    self._say("prompt_mirror")]
        confirmed = Note("answer", kind or "assumed_yes")
        if self.phase.stems:
            return [confirmed, *self._next_stem()]
        self.mirror_loops = 0
        if self.phase.ask_more:
            self.step = Step.MORE
            return [confirmed, self._say("more")]
        return [confirmed, *self._end_phase()]

    def _after_more(self, text: str) -> list[Decision]:
        kind = answers.is_there_more(text, self.book)
        if kind == "more":
            self.step = Step.SHARE
            return [Note("answer", "more"), self._say("go_on")]
        if kind == "going_on":
            self.pieces += 1
            self.step = Step.MIRROR
            return [Note("answer", "going_on"), self._say("prompt_mirror")]
        return [Note("answer", kind or "assumed_done"), *self._end_phase()]

    def _after_summary_check(self, text: str) -> list[Decision]:
        kind = answers.did_they_get_it(text, self.book)
        if kind in ("partly", "no"):
            self.step = Step.SUMMARY_MISSED
            return [Note("answer", kind), self._say("summary_missed")]
        if kind == "going_on":
            self.step = Step.SUMMARY
            return [Note("answer", kind), self._say("prompt_mirror")]
        return [Note("answer", kind or "assumed_yes"), *self._end_phase()]
