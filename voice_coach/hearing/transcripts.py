"""Joins the transcripts of a turn's pieces, which arrive from the worker in any order."""

from __future__ import annotations

from ..events import PieceTranscribed, TurnEnded, TurnTranscribed

_Key = tuple[int, float, float]


def _key(turn: int, start: float, end: float) -> _Key:
    return (turn, round(start, 4), round(end, 4))


class TranscriptAssembler:
    def __init__(self) -> None:
        self._texts: dict[_Key, str] = {}
        self._waiting: dict[int, TurnEnded] = {}

    def pending_turns(self) -> list[int]:
        return sorted(self._waiting)

    def on_piece(self, ev: PieceTranscribed) -> TurnTranscribed | None:
        self._texts[_key(ev.turn, ev.start, ev.end)] = ev.text.strip()
        ended = self._waiting.get(ev.turn)
        return self._complete(ended, ev.t_ready) if ended else None

    def on_turn_end(self, ev: TurnEnded) -> TurnTranscribed | None:
        self._waiting[ev.turn] = ev
        return self._complete(ev, ev.decided_at)

    def _complete(self, ended: TurnEnded, t: float) -> TurnTranscribed | None:
        keys = [_key(ended.turn, s, e) for s, e in ended.pieces]
        if any(k not in self._texts for k in keys):
            return None
        text = " ".join(self._texts[k] for k in keys if self._texts[k])
        del self._waiting[ended.turn]
        for k in [k for k in self._texts if k[0] == ended.turn]:
            del self._texts[k]
        return TurnTranscribed(ended.turn, text, t)
