"""Turn detection: from speech start/stop events to turns, and to transcription pieces.

A pause shorter than `end_silence` keeps the turn open, because in this dialogue people pause to
find words. Each short pause also asks for a transcript of the audio so far, so that the final
text is ready almost as soon as the turn ends, however long it was; pieces are only committed
(never transcribed again) once they are long enough for Whisper to have context.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .events import SpeechStarted, SpeechStopped, TranscribeRequest, TurnEnded, TurnStarted

TurnEvent = TurnStarted | TranscribeRequest | TurnEnded


@dataclass(frozen=True)
class TurnParams:
    end_silence: float = 1.0
    min_piece: float = 8.0
    max_piece: float = 20.0  # Whisper sees 30 s at once; cut well before
    preroll: float = 0.3  # keep audio from before the detected start so no syllable is lost


@dataclass
class _Turn:
    number: int
    start: float
    piece_start: float
    last_end: float
    speaking: bool = True
    pieces: list[tuple[float, float]] = field(default_factory=list)


class TurnDetector:
    def __init__(self, params: TurnParams) -> None:
        self._p = params
        self._turn: _Turn | None = None
        self._count = 0

    @property
    def in_turn(self) -> bool:
        return self._turn is not None

    def reset(self) -> None:
        """Forget a turn in progress (the coach starts speaking over it, or the session pauses)."""
        self._turn = None

    def on_speech(self, ev: SpeechStarted | SpeechStopped) -> list[TurnEvent]:
        p, turn = self._p, self._turn
        if isinstance(ev, SpeechStarted):
            if turn is None:
                self._count += 1
                self._turn = _Turn(self._count, ev.t, max(0.0, ev.t - p.preroll), ev.t)
                return [TurnStarted(self._count, ev.t)]
            if turn.last_end - turn.piece_start >= p.min_piece:
                turn.pieces.append((turn.piece_start, turn.last_end))
                turn.piece_start = max(turn.last_end, ev.t - p.preroll)
            turn.speaking = True
            return []
        if turn is None:
            return []
        turn.speaking = False
        turn.last_end = ev.t
        return [TranscribeRequest(turn.number, turn.piece_start, ev.t)]

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
        if t - turn.last_end >= p.end_silence - 1e-9:
            self._turn = None
            pieces = (*turn.pieces, (turn.piece_start, turn.last_end))
            return [TurnEnded(turn.number, turn.start, turn.last_end, t, pieces)]
        return []
