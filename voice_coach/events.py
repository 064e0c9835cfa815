"""The events that flow through the loop.

Every event carries the audio-stream time (seconds since the session's first sample) at which it
happened, so the pure core never reads a clock and a file runs exactly like a microphone.
"""

from __future__ import annotations

from dataclasses import dataclass

# The kinds of danger a partner's words may tell of (coaching/care.py hears them; the protocol says
# the crisis line's message for self-harm, the help line's for the others; the log keeps the kind).
VIOLENCE, FEAR, THREAT, SELF_HARM = "violence", "fear", "threat", "self_harm"


@dataclass(frozen=True)
class Note:
    """Something worth logging that is not a cue: an answer understood, a command, an interruption,
    a pace. The protocol's notes carry no time (the loop stamps them when it acts on them); the
    slow-down's carry theirs, with the turn and a number (`value`) where there is one."""

    kind: str
    detail: str
    t: float | None = None
    turn: int | None = None
    value: float | None = None


@dataclass(frozen=True)
class SpeechStarted:
    """Speech began at `t` (back-dated to the first voiced frame)."""

    t: float


@dataclass(frozen=True)
class SpeechStopped:
    """Speech stopped at `t` (the end of the last voiced frame); reported after a short pause."""

    t: float


@dataclass(frozen=True)
class TurnStarted:
    turn: int
    t: float


@dataclass(frozen=True)
class TranscribeRequest:
    """Audio [start, end) of a turn should be transcribed now, while the partner may go on."""

    turn: int
    start: float
    end: float


@dataclass(frozen=True)
class TurnEnded:
    """A turn is over: the speaker was silent long enough. `pieces` tile its audio; `probability`
    and `words` are what the last pause was judged on (None when it was not judged)."""

    turn: int
    start: float
    end: float
    decided_at: float
    pieces: tuple[tuple[float, float], ...]
    probability: float | None = None
    words: str | None = None


@dataclass(frozen=True)
class PieceTranscribed:
    """The worker's answer to a TranscribeRequest."""

    turn: int
    start: float
    end: float
    text: str
    seconds: float  # wall time the transcription took
    t_ready: float  # stream time at which the loop received it


@dataclass(frozen=True)
class TurnTranscribed:
    turn: int
    text: str
    t: float


@dataclass(frozen=True)
class CueFinished:
    """The coach finished saying cue `key`."""

    key: str
    t: float


@dataclass(frozen=True)
class Tick:
    """Time passes with nothing else to report (used for reminders and time limits)."""

    t: float
