"""A turn's words: its pieces sent to the transcription worker, and their transcripts, which
arrive in any order, joined into the turn's."""

from __future__ import annotations

from collections.abc import Callable

from ..events import PieceTranscribed, TranscribeRequest, TurnEnded, TurnTranscribed
from .audio_history import AudioHistory
from .transcriber import Result, TranscriptionWorker

# Pieces this short are answers and commands: Whisper gets their vocabulary as a prompt.
SHORT_REPLY_SECS = 3.0

_Key = tuple[int, float, float]


def _key(turn: int, start: float, end: float) -> _Key:
    return (turn, round(start, 4), round(end, 4))


class TranscriptAssembler:
    def __init__(self) -> None:
        self._texts: dict[_Key, str] = {}
        self._waiting: dict[int, TurnEnded] = {}
        self._joined: set[int] = set()  # a piece of these, come back late, is not kept

    def pending_turns(self) -> list[int]:
        return sorted(self._waiting)

    def on_piece(self, ev: PieceTranscribed) -> TurnTranscribed | None:
        if ev.turn in self._joined:
            return None
        self._texts[_key(ev.turn, ev.start, ev.end)] = ev.text.strip()
        ended = self._waiting.get(ev.turn)
        return self._complete(ended, ev.t_ready) if ended else None

    def on_turn_end(self, ev: TurnEnded) -> TurnTranscribed | None:
        self._waiting[ev.turn] = ev
        return self._complete(ev, ev.decided_at)

    def discard(self, turn: int) -> None:
        """Forget what came back of a turn: joined, or not wanted."""
        self._waiting.pop(turn, None)
        for k in [k for k in self._texts if k[0] == turn]:
            del self._texts[k]

    def _complete(self, ended: TurnEnded, t: float) -> TurnTranscribed | None:
        keys = [_key(ended.turn, s, e) for s, e in ended.pieces]
        if any(k not in self._texts for k in keys):
            return None
        text = " ".join(self._texts[k] for k in keys if self._texts[k])
        self.discard(ended.turn)
        self._joined.add(ended.turn)
        return TurnTranscribed(ended.turn, text, t)


class Transcription:
    """The loop's side of the worker: pieces go out with what helps the model hear them, and each
    piece's words come back to `on_words` on the loop's own thread (the worker only transcribes).
    Faster than real time the worker takes no stream time, so where its words could change what
    happens next, the loop waits for them; live, they arrive while the pause lasts."""

    def __init__(self, worker: TranscriptionWorker, history: AudioHistory, vocabulary: str, realtime: bool,
                 on_words: Callable[[Result], None]) -> None:
        self.worker, self._history, self._vocabulary = worker, history, vocabulary
        self._realtime, self._on_words = realtime, on_words
        self._assembler = TranscriptAssembler()

    def request(self, req: TranscribeRequest) -> None:
        prompt = self._vocabulary if req.end - req.start <= SHORT_REPLY_SECS else None
        self.worker.submit(req, self._history.slice(req.start, req.end), prompt)

    def collect(self, wait: bool = False) -> None:
        """The words that are back (`wait`: at least one piece's, unless none comes in 30 s)."""
        for r in self.worker.results(wait=wait, timeout=30.0 if wait else None):
            self._on_words(r)

    def before_answering(self) -> None:
        """Every piece of a turn is read before the coach answers it (care.py: a disclosure is
        never answered with a mirror prompt). Live, a piece's words arrive while the pause lasts
        (it is sent at the first short pause, the turn ends a breath later)."""
        if self._realtime:
            self.collect()
            return
        while not self.worker.idle:
            self.collect(wait=True)

    def while_needed(self, needed: Callable[[], bool]) -> None:
        """Faster than real time, wait for words whenever they could end a pause sooner."""
        if self._realtime:
            return
        while needed():
            idle = self.worker.idle
            self.collect(wait=not idle)
            if idle:
                return

    def joined(self, r: Result, t: float) -> TurnTranscribed | None:
        """A piece's words, received at `t`: the turn's, once every piece of an ended turn is in."""
        req = r.request
        return self._assembler.on_piece(PieceTranscribed(req.turn, req.start, req.end, r.text, r.seconds, t))

    def discard(self, turn: int) -> None:
        """The turn's words are not wanted (another voice than the partners'): dropped as they come."""
        self._assembler.discard(turn)

    def turn_ended(self, ev: TurnEnded) -> TurnTranscribed | None:
        """The turn's words, if every piece is in already."""
        return self._assembler.on_turn_end(ev)

    def after_turn(self) -> None:
        """Faster than real time, an ended turn's words are waited for before the session goes on."""
        if self._realtime:
            return
        while self._assembler.pending_turns():
            self.collect(wait=True)
