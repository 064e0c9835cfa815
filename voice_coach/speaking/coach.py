"""The coach's side of the room: what it says, rendered, queued in stream time, handed to the
speaker when due, and logged as said.

The loop decides what to say (the protocol, the slow-down, care); this turns the decision into
sound at the right moment and keeps the record of it, so the loop needs to know only when the
coach is speaking (`queue.is_deaf`, `queue.until`) and what it finished saying.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..dialogue.phrasebook import Phrasebook
from ..dialogue.protocol import Step
from ..hearing.classifiers import SAMPLE_RATE
from ..records.session_log import SessionLog
from ..view import ConsoleView
from .cue_queue import CueQueue, Part, Utterance
from .player import Player
from .voice import Voice

# Cues said together (an answer and the next question) are one utterance, their parts this far
# apart: a comma's pause. Rendered as one text, espeak leaves ~0.35 s between sentences, which a
# partner hears as the coach being done.
CHAIN_GAP = 0.12
# A cue rendered (not found ready) on the loop's own thread for longer than this is logged with
# the time it took (`render_wait`).
RENDER_LATE = 0.05


@dataclass(frozen=True)
class Begun:
    """The first sentence of the session's first cue, handed to the speaker before the loop
    began (app.py: the coach's first sound comes while the rest of the cue renders)."""

    text: str  # the whole cue
    samples: int  # its first sentence's length, already with the speaker
    since: float  # time.monotonic() when it was handed over


@dataclass(frozen=True)
class Mouth:
    """How the coach speaks: its wording, its voice and where the sound goes."""

    book: Phrasebook
    voice: Voice
    player: Player
    begun: Begun | None = None


class Coach:
    """Says cues (key, text) after whatever is queued, each utterance back to back as one sound.

    `on_play` hears of every utterance as it goes to the speaker (the slow-down and the
    talk-over check need its parts and its audio)."""

    def __init__(self, mouth: Mouth, log: SessionLog, view: ConsoleView, echo_tail: float,
                 on_play: Callable[[Utterance], None]) -> None:
        self.mouth, self.log, self.view, self.on_play = mouth, log, view, on_play
        self.queue = CueQueue(echo_tail)
        self._begun = mouth.begun
        # How far the loop runs behind the microphone: the last frame's backlog (Frame.behind), and
        # the render time of any phrase synthesised on the loop's thread since (say)
        self._behind = 0.0

    def say(self, said: list[tuple[str, str]], t: float, step: Step, *, now: float, realtime: bool,
            not_before: Callable[[str, float], float] = lambda key, t: t) -> None:
        """Queue cues from `t` on, no part sooner than `not_before(key, t)` allows (the mirror
        prompt waits for a breath); hand over whatever is due by `now`, the stream's time."""
        rendering = time.monotonic()
        audio, parts = self.render(said)
        begun, self._begun = self._begun, None
        if begun is not None and said[0][1] == begun.text:
            self._go_on(begun, audio, parts, t, step, now)
            return
        # Live, the microphone ran on while a phrase was synthesised here (a new one, such as the
        # line on a round's mirroring, takes up to a second): that much more sound now waits behind
        # the loop, and the queue places what it hands over where it will be heard (CueQueue.due).
        waited = time.monotonic() - rendering
        start = max(self.queue.until, *(not_before(p.key, t) - p.since for p in parts))
        self.queue.add(Utterance(start, start + parts[-1].until, parts, audio, step,
                                 waited if waited > RENDER_LATE else 0.0))
        self.release(now, self._behind + waited if realtime else None)

    def _go_on(self, begun: Begun, audio: np.ndarray, parts: tuple[Part, ...], t: float, step: Step,
               now: float) -> None:
        """The cue whose first sentence is already sounding: one utterance from `t` on, of what is
        left of it (the microphone is shut and the talk-over check listens for all of it), of
        which only what follows the first sentence goes to the speaker, after it."""
        played = min(begun.samples, int((time.monotonic() - begun.since) * SAMPLE_RATE))
        shift = played / SAMPLE_RATE
        parts = tuple(Part(p.key, p.text, max(0.0, p.since - shift), p.until - shift) for p in parts)
        start = max(t, self.queue.until)
        self.queue.add(Utterance(start, start + parts[-1].until, parts, audio[played:], step,
                                 handed=begun.samples - played, early=shift))
        self.release(now)

    def say_now(self, said: list[tuple[str, str]], t: float, step: Step) -> None:
        """Say at once, not when stream time reaches `t`: with the microphone gone, stream time
        stands still (what was queued waits for it to come back)."""
        audio, parts = self.render(said)
        self._play(self.queue.hand_over(Utterance(t, t + parts[-1].until, parts, audio, step)))

    def render(self, said: list[tuple[str, str]]) -> tuple[np.ndarray, tuple[Part, ...]]:
        """The cues' audio back to back, with where each part lies in it."""
        gap = np.zeros(int(CHAIN_GAP * SAMPLE_RATE), dtype=np.int16)
        clips, parts, at = [], [], 0.0
        for i, (key, text) in enumerate(said):
            clip = self.mouth.voice.render(text)
            if i < len(said) - 1:
                clip = np.concatenate([clip, gap])
            clips.append(clip)
            parts.append(Part(key, text, at, at + len(clip) / SAMPLE_RATE))
            at = parts[-1].until
        return np.concatenate(clips), tuple(parts)

    def release(self, now: float, behind: float | None = None) -> None:
        """Play what is due by `now`; `behind`, how far the loop runs behind the microphone (the
        last frame's, when not given: cues said between frames)."""
        if behind is not None:
            self._behind = behind
        for cue in self.queue.due(now, self._behind):
            self._play(cue)

    def drop_held_prompt(self, t: float, key: str, reason: str) -> None:
        """A cue held back (the mirror prompt's breath) that is no longer needed."""
        if self.queue.drop_held_prompt(t, key) is not None:
            self.log.write("cue_cancelled", t, key=key, reason=reason)

    def drop_all(self, t: float, reason: str) -> None:
        """Drop every cue not yet begun (what is playing ends as it is)."""
        for cue in self.queue.drop_all(t):
            for part in cue.parts:
                self.log.write("cue_cancelled", t, key=part.key, reason=reason)

    def _play(self, cue: Utterance) -> None:
        self.mouth.player.play(cue.audio[cue.handed:], cue.start + cue.handed / SAMPLE_RATE)
        self.on_play(cue)
        for i, part in enumerate(cue.parts):
            start, end = cue.start + part.since, cue.start + part.until
            waited = {"render_wait": round(cue.render_wait, 3)} if cue.render_wait and i == 0 else {}
            if cue.early and i == 0:  # it began before the loop did: the log says how long before
                waited["early"] = round(cue.early, 3)
            self.log.write("cue", start, key=part.key, text=part.text, end=round(end, 3), step=cue.step,
                           **waited)
            self.view.said("Coach", part.text, start)
