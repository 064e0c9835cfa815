"""Start/stop hysteresis over per-frame speech decisions (the pipecat split: classifier + gate).

A single voiced frame is not speech and a single quiet frame is not a pause: speech starts after
`start_secs` of mostly voiced frames and stops after `stop_secs` of unvoiced ones.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from ..events import SpeechStarted, SpeechStopped


@dataclass(frozen=True)
class GateParams:
    frame_secs: float = 0.03
    start_secs: float = 0.12  # enough to reject clicks and single syllables of noise
    start_ratio: float = 0.75  # share of voiced frames in the start window
    stop_secs: float = 0.2  # a short breath; the turn detector decides what a pause means


class SpeechGate:
    def __init__(self, params: GateParams) -> None:
        self._p = params
        self._window: deque[bool] = deque(maxlen=max(1, round(params.start_secs / params.frame_secs)))
        self._speaking = False
        self._first_voiced: float | None = None
        self._last_voiced_end = 0.0

    @property
    def speaking(self) -> bool:
        return self._speaking

    def push(self, t: float, voiced: bool) -> SpeechStarted | SpeechStopped | None:
        """Feed the decision for the frame starting at `t`; return a state change, if any."""
        p = self._p
        if voiced:
            self._last_voiced_end = t + p.frame_secs
        if not self._speaking:
            self._window.append(voiced)
            if voiced and self._first_voiced is None:
                self._first_voiced = t
            if not any(self._window):
                self._first_voiced = None
            full = len(self._window) == self._window.maxlen
            if full and sum(self._window) >= p.start_ratio * len(self._window):
                self._speaking = True
                start = self._first_voiced if self._first_voiced is not None else t
                self._window.clear()
                self._first_voiced = None
                return SpeechStarted(start)
            return None
        if t + p.frame_secs - self._last_voiced_end >= p.stop_secs - 1e-9:
            self._speaking = False
            return SpeechStopped(self._last_voiced_end)
        return None
