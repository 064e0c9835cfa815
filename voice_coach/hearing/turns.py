"""Turn detection: from speech start/stop events to turns, and to transcription pieces.

A pause keeps the turn open until it is long enough to end it, because in this dialogue people
pause to find words. How long is long enough depends on what is known about the pause (see
turn_end.py): at each short pause the detector asks for a judgement of the audio so far
(`EndOfTurnCheck`; the loop runs Smart Turn and answers with `on_judgement`) and for a transcript
of the piece so far (`TranscribeRequest`; its text comes back through `on_words`). Without either
answer a pause of `end_silence` ends the turn, as before.

Each short pause's transcript also makes the final text ready almost as soon as the turn ends,
however long it was; pieces are only committed (never transcribed again) once they are long
enough for Whisper to have context.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..events import SpeechStarted, SpeechStopped, TranscribeRequest, TurnEnded, TurnStarted
from .turn_end import EndRule, Words, judge_reply


@dataclass(frozen=True)
class EndOfTurnCheck:
    """Judge whether the turn's audio [start, end) sounds finished, and hand the probability back
    with `TurnDetector.on_judgement(turn, speech_end, probability)`.

    `speech_end` names the pause; `end` is a little after it, because Smart Turn is trained on
    turns that end in a short silence. That audio exists already when this event is emitted.
    """

    turn: int
    start: float
    end: float
    speech_end: float


@dataclass(frozen=True)
class WentOn:
    """The partner went on at `t` after a pause of `pause` seconds, which sounded `finished` (as
    far as was known when they went on): what patience.py learns from."""

    turn: int
    t: float
    pause: float
    finished: bool = False


TurnEvent = TurnStarted | TranscribeRequest | EndOfTurnCheck | TurnEnded | WentOn


@dataclass(frozen=True)
class TurnParams:
    """The defaults are the ones docs/benchmarks.md ("Turn-taking") chose; the end silences and
    bands are EndRule's own (turn_end.py), and settings.py takes every default from here.

    A pause ends the turn after `end_silence_min` when Smart Turn and the words both say the
    thought is finished, after `end_silence_max` when either says it is not, and after
    `end_silence` when nothing better is known (no judgement, or an unsure one).
    """

    end_silence: float = EndRule.unsure
    end_silence_min: float = EndRule.complete
    end_silence_max: float = EndRule.unfinished  # outlasts a 2.5 s search for words
    complete_above: float = EndRule.complete_above  # Smart Turn's "finished" from this probability
    unfinished_below: float = EndRule.unfinished_below  # ... and "unfinished" below this one
    use_words: bool = EndRule.use_words  # a finished thought also needs words that end like one
    judge_tail: float = 0.2  # silence given to Smart Turn after the speech (at most the short pause)
    judge_secs: float = 8.0  # how much of the turn Smart Turn hears (it takes 8 s at most)
    min_piece: float = 8.0
    max_piece: float = 20.0  # Whisper sees 30 s at once; cut well before
    preroll: float = 0.3  # keep audio from before the detected start so no syllable is lost

    def rule(self) -> EndRule:
        return EndRule(
            unsure=self.end_silence, complete=self.end_silence_min, unfinished=self.end_silence_max,
            complete_above=self.complete_above, unfinished_below=self.unfinished_below,
            use_words=self.use_words, answer=self.end_silence_min,
        )


@dataclass(frozen=True)
class _Resumed:
    """A pause inside a turn, kept until the voice after it is told: it may have been the end of
    the turn, if that voice was the other partner's (`TurnDetector.hand_over`)."""

    at: float  # speech began again
    end: float  # the speech before the pause ended
    probability: float | None
    words: Words
    finished: bool


@dataclass
class _Turn:
    number: int
    start: float
    piece_start: float
    last_end: float
    speaking: bool = True
    pieces: list[tuple[float, float]] = field(default_factory=list)
    probability: float | None = None  # Smart Turn's judgement of the current pause
    words: Words = Words.PENDING  # what the current pause's transcript says
    went_on: _Resumed | None = None  # the last pause the turn went on after, until the next one


class TurnDetector:
    def __init__(self, params: TurnParams) -> None:
        self._p = params
        self._base = self._rule = params.rule()
        self._turn: _Turn | None = None
        self._count = 0

    def hold(self, secs: float, others: float | None = None, answer: float | None = None) -> None:
        """Answer a finished-sounding thought after no less than `secs` of silence (but never later
        than an unsure one), until told otherwise; words that already are a whole answer keep the
        quick end.

        Sound and words cannot tell the end of a thought from a long search for words; the
        partner's own pauses can (patience.py), and the mirror prompt waits for a breath anyway.
        `others`: wait no longer than this after any other thought (a partner heard to pause
        only briefly), though never less than `secs`. `answer`: the silence after words that
        already are all the step asked for, when the step wants other than the usual quick end.
        """
        base = self._base
        complete = max(base.complete, min(secs, base.unsure))
        unsure, unfinished = base.unsure, base.unfinished
        if others is not None:
            unsure, unfinished = (max(complete, min(others, w)) for w in (unsure, unfinished))
        self._rule = replace(base, complete=complete, unsure=unsure, unfinished=unfinished,
                             answer=base.answer if answer is None else answer)

    @property
    def in_turn(self) -> bool:
        return self._turn is not None

    def awaiting(self, turn: int, speech_end: float) -> bool:
        """Whether turn `turn` is still in the pause after `speech_end`, so that a judgement or a
        transcript of it would still count (lets a caller skip work that came too late)."""
        t = self._turn
        return t is not None and t.number == turn and not t.speaking and abs(t.last_end - speech_end) < 1e-6

    def silence_needed(self) -> float | None:
        """Seconds of silence that will end the current pause, on what is known now."""
        t = self._turn
        if t is None or t.speaking:
            return None
        return self._rule.silence_needed(t.probability, t.words)

    def needs_words(self) -> bool:
        """Whether the current pause waits for its transcript: the words could still shorten the
        wait. (Faster than real time the worker takes no stream time, so a loop reading a file
        should wait for the transcript here, as it would arrive within a pause live.)"""
        t = self._turn
        if t is None or t.speaking or t.words is not Words.PENDING:
            return False
        return self._rule.silence_needed(t.probability, Words.ANSWER) < self._rule.silence_needed(
            t.probability, Words.PENDING
        )

    def on_judgement(self, turn: int, speech_end: float, probability: float) -> None:
        """Smart Turn's answer to an EndOfTurnCheck: the probability that the thought is finished."""
        if self.awaiting(turn, speech_end):
            assert self._turn is not None
            self._turn.probability = probability

    def on_words(self, turn: int, speech_end: float, text: str, answer: bool = False,
                 asked: bool = False) -> None:
        """The transcript of the piece that ends at `speech_end` (a TranscribeRequest's answer);
        `answer`: the text already is all the step asked for; `asked`: the step asked a question
        (the protocol knows both; see judge_reply). Transcripts of other pieces, or of pauses the
        partner has already ended, are ignored."""
        if self.awaiting(turn, speech_end):
            assert self._turn is not None
            self._turn.words = judge_reply(text, answer, asked)

    def on_speech(self, ev: SpeechStarted | SpeechStopped) -> list[TurnEvent]:
        p, turn = self._p, self._turn
        if isinstance(ev, SpeechStarted):
            if turn is None:
                self._count += 1
                self._turn = _Turn(self._count, ev.t, max(0.0, ev.t - p.preroll), ev.t)
                return [TurnStarted(self._count, ev.t)]
            if turn.speaking:
                return []
            finished = self._rule.sounds_finished(turn.probability, turn.words)
            out: list[TurnEvent] = [WentOn(turn.number, ev.t, ev.t - turn.last_end, finished)]
            turn.went_on = _Resumed(ev.t, turn.last_end, turn.probability, turn.words, finished)
            if turn.last_end - turn.piece_start >= p.min_piece:
                turn.pieces.append((turn.piece_start, turn.last_end))
                turn.piece_start = max(turn.last_end, ev.t - p.preroll)
            turn.speaking = True
            turn.probability, turn.words = None, Words.PENDING
            return out
        if turn is None:
            return []
        turn.speaking = False
        turn.last_end = ev.t
        heard_from = max(turn.start - p.preroll, ev.t - p.judge_secs, 0.0)
        return [
            TranscribeRequest(turn.number, turn.piece_start, ev.t),
            EndOfTurnCheck(turn.number, heard_from, ev.t + p.judge_tail, ev.t),
        ]

    def hand_over(self, since: float, now: float, min_turn: float = 0.0) -> list[TurnEvent]:
        """The speech from `since`, after a pause in the current turn, was told as the other
        partner's: if that pause sounded finished and lasted the quick end's silence, the turn
        ended there and theirs began at `since` (a receiver who starts to mirror without waiting
        for the cue). The events of both, as if the detector had known at once; none if the pause
        was not such an end (then the other partner cut in), or the turn before it was shorter than
        `min_turn`. Asked at the first breath after the pause, before the speech goes on."""
        p, turn = self._p, self._turn
        went = turn.went_on if turn is not None else None
        if turn is None or went is None or turn.speaking or abs(went.at - since) > 1e-6:
            return []
        if not went.finished or went.at - went.end < self._base.complete - 1e-9:
            return []
        if went.end - turn.start < min_turn - 1e-9:  # too short to be answered as it ends
            return []
        before = [piece for piece in turn.pieces if piece[1] <= went.end + 1e-9]
        again: list[TurnEvent] = []
        if turn.piece_start < went.end:  # the piece under way, cut back to the turn's end: a longer
            before.append((turn.piece_start, went.end))  # request for it went since
            again.append(TranscribeRequest(turn.number, turn.piece_start, went.end))
        words = None if went.words is Words.PENDING else went.words.value
        self._count += 1
        ended = TurnEnded(turn.number, turn.start, went.end, now, tuple(before), went.probability, words)
        piece_start = max(went.end, since - p.preroll)
        self._turn = _Turn(self._count, since, piece_start, turn.last_end, speaking=False)
        return [
            *again,
            ended,
            TurnStarted(self._count, since),
            TranscribeRequest(self._count, piece_start, turn.last_end),
            EndOfTurnCheck(self._count, max(piece_start, turn.last_end - p.judge_secs),
                           turn.last_end + p.judge_tail, turn.last_end),
        ]

    def tick(self, t: float) -> list[TurnEvent]:
        p, turn = self._p, self._turn
        if turn is None:
            return []
        if turn.speaking:
            if t - turn.piece_start >= p.max_piece:
                piece = (turn.piece_start, t)
                turn.pieces.append(piece)
                turn.piece_start = t
                return [TranscribeRequest(turn.number, *piece)]
            return []
        if t - turn.last_end >= self._rule.silence_needed(turn.probability, turn.words) - 1e-9:
            self._turn = None
            pieces = (*turn.pieces, (turn.piece_start, turn.last_end))
            words = None if turn.words is Words.PENDING else turn.words.value
            return [TurnEnded(turn.number, turn.start, turn.last_end, t, pieces, turn.probability, words)]
        return []
