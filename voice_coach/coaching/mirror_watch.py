"""Follows what the sender said and how the receiver mirrored it, round by round (pure)."""

from __future__ import annotations

from ..dialogue.protocol import Step
from .fidelity import MirrorScore, combine, score

_PIECE_STEPS = (Step.SHARE,)  # what a mirror mirrors: the sender's words since the last mirror
_MIRROR_STEPS = (Step.MIRROR,)


class MirrorWatch:
    def __init__(self, names: tuple[str, ...]) -> None:
        self._names = names
        self._piece: list[str] = []
        self._round: list[MirrorScore] = []

    def on_transcript(self, step: Step | None, text: str) -> MirrorScore | None:
        """The score of a mirror against the piece it mirrors; None for other turns."""
        if step in _PIECE_STEPS and text.strip():
            self._piece.append(text)
            return None
        if step in _MIRROR_STEPS and self._piece:
            result = score(" ".join(self._piece), text, self._names)
            self._piece = []
            self._round.append(result)
            return result
        return None

    def end_round(self) -> MirrorScore | None:
        """All mirrors of the round combined (a word missed once and caught later counts)."""
        scores, self._round, self._piece = self._round, [], []
        return combine(scores) if scores else None
