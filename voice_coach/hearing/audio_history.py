"""The last stretch of input, kept so that a turn's pieces can be transcribed and its voice told."""

from __future__ import annotations

from collections import deque

import numpy as np

from .audio_source import FRAME_SECS, Frame


class AudioHistory:
    """The last `keep_secs` of input, addressable by stream time, for transcription requests.

    Frames are kept as they came (no copying per frame); a slice joins only the frames it needs.
    """

    def __init__(self, keep_secs: float = 90.0) -> None:
        self._frames: deque[np.ndarray] = deque(maxlen=int(keep_secs / FRAME_SECS))
        self._next = 0  # index of the frame after the newest

    def append(self, frame: Frame) -> None:
        self._frames.append(frame.pcm)
        self._next += 1

    def slice(self, start: float, end: float) -> np.ndarray:
        first = self._next - len(self._frames)
        i = max(int(start / FRAME_SECS) - first, 0)
        j = max(min(int(np.ceil(end / FRAME_SECS)) - first, len(self._frames)), i)
        if i == j:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate([self._frames[k] for k in range(i, j)])


def speech_level_db(pcm: np.ndarray, frame: int = 480) -> float:
    """Level of the speech in `pcm` (int16), dBFS: the mean power of its louder half of 30 ms
    frames, so that pauses inside a turn do not lower it."""
    n = len(pcm) // frame
    if n == 0:
        return -120.0
    power = (pcm[: n * frame].astype(np.float64).reshape(n, frame) / 32768.0) ** 2
    loud = np.sort(power.mean(axis=1))[n // 2:]
    return float(10 * np.log10(loud.mean() + 1e-12))
