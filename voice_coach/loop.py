"""The one consumer: frames in, speech detection, turns, the protocol, cues out.

The audio callback only fills a queue (see audio_source); transcription runs in its worker and
comes back here as events. Everything is stamped with stream time, so the same loop runs on a
microphone in real time or on a file as fast as the CPU allows.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from .audio_source import FRAME_SECS, AudioSource, Frame
from .classifiers import SAMPLE_RATE, FrameClassifier
from .events import (
    CueFinished,
    PieceTranscribed,
    Tick,
    TranscribeRequest,
    TurnEnded,
    TurnStarted,
    TurnTranscribed,
)
from .keepsakes import Keepsakes
from .phrasebook import Phrasebook
from .player import Player
from .protocol import Acknowledge, Decision, Dialogue, Finish, Keep, Note, Say
from .session_log import SessionLog
from .settings import Settings
from .speech_gate import SpeechGate
from .transcriber import TranscriptionWorker
from .turns import TurnDetector, TurnEvent
from .view import ConsoleView
from .voice import Voice

# Pieces this short are answers and commands: Whisper gets their vocabulary as a prompt.
SHORT_REPLY_SECS = 3.0


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


@dataclass(frozen=True)
class Ears:
    """How the coach hears: the source and the speech classifier that listens to it."""

    source: AudioSource
    classifier: FrameClassifier


@dataclass(frozen=True)
class Mouth:
    """How the coach speaks: its wording, its voice and where the sound goes."""

    book: Phrasebook
    voice: Voice
    player: Player


@dataclass(frozen=True)
class Records:
    """What the session leaves behind: its log, and the couple's keepsakes."""

    log: SessionLog
    keepsakes: Keepsakes


class SessionLoop:
    def __init__(
        self, settings: Settings, ears: Ears, mouth: Mouth, worker: TranscriptionWorker,
        protocol: Dialogue, records: Records, view: ConsoleView,
    ) -> None:
        from .transcripts import TranscriptAssembler

        self.s, self.ears, self.mouth, self.worker = settings, ears, mouth, worker
        self.protocol, self.records, self.log, self.view = protocol, records, records.log, view
        self.gate = SpeechGate(settings.gate_params())
        self.detector = TurnDetector(settings.turn_params())
        self.assembler = TranscriptAssembler()
        self.history = AudioHistory()
        self.coach_until = 0.0  # stream time at which the coach's queued cues end
        self.deaf_until = 0.0
        self.finished: str | None = None
        self.t = 0.0
        self._speakers: dict[int, str | None] = {}
        self._steps: dict[int, str] = {}  # the protocol step each turn answered
        self._cues_playing: deque[tuple[float, str]] = deque()  # (end, key) of queued cues
        self._vocabulary = mouth.book.vocabulary(settings.timeout_word)

    def run(self) -> str:
        """Run until the protocol finishes or the source ends; return why it ended."""
        self._execute(self.protocol.start(), 0.0)
        for frame in self.ears.source.frames():
            self._step(frame)
            if self.finished and self.t >= self.coach_until:
                break
        self.ears.source.stop()
        return self.finished or "audio ended"

    def _step(self, frame: Frame) -> None:
        self.t = end = frame.t + FRAME_SECS
        self.history.append(frame)
        self._collect_transcripts(wait=False)
        voiced = end > self.deaf_until and self.ears.classifier.is_speech(frame.pcm)
        change = self.gate.push(frame.t, voiced)
        if change is not None:
            self._on_turn_events(self.detector.on_speech(change))
        self._on_turn_events(self.detector.tick(end))
        while self._cues_playing and self._cues_playing[0][0] <= end:
            cue_end, key = self._cues_playing.popleft()
            self._execute(self.protocol.on_cue_finished(CueFinished(key, cue_end)), end)
        if end >= self.coach_until:
            self._execute(self.protocol.on_tick(Tick(end)), end)
        self.view.tick(end)

    def _on_turn_events(self, events: list[TurnEvent]) -> None:
        for ev in events:
            if isinstance(ev, TurnStarted):
                who = self.protocol.speaker
                self._speakers[ev.turn] = who
                self.log.write("turn_start", ev.t, turn=ev.turn, speaker=who)
                self._execute(self.protocol.on_turn_started(ev), ev.t)
            elif isinstance(ev, TranscribeRequest):
                short = ev.end - ev.start <= SHORT_REPLY_SECS
                prompt = self._vocabulary if short else None
                self.worker.submit(ev, self.history.slice(ev.start, ev.end), prompt)
            elif isinstance(ev, TurnEnded):
                self._on_turn_ended(ev)

    def _on_turn_ended(self, ev: TurnEnded) -> None:
        who = self._speakers.get(ev.turn)
        self._steps[ev.turn] = step = self.protocol.step.value
        self.log.write(
            "turn_end", ev.decided_at, turn=ev.turn, speaker=who, step=step, start=round(ev.start, 3),
            end=round(ev.end, 3), duration=round(ev.end - ev.start, 3), pieces=len(ev.pieces),
        )
        done = self.assembler.on_turn_end(ev)
        if done:
            self._on_transcript(done)
        if not self.ears.source.realtime:
            # Faster than real time, the worker takes no stream time: wait for it here.
            while self.assembler.pending_turns():
                self._collect_transcripts(wait=True)

    def _collect_transcripts(self, wait: bool) -> None:
        for r in self.worker.results(wait=wait, timeout=30.0 if wait else None):
            req = r.request
            ev = PieceTranscribed(req.turn, req.start, req.end, r.text, r.seconds, self.t)
            done = self.assembler.on_piece(ev)
            if done:
                self._on_transcript(done)

    def _on_transcript(self, ev: TurnTranscribed) -> None:
        who = self._speakers.pop(ev.turn, None) or "?"
        step = self._steps.pop(ev.turn, None)
        self.log.write("transcript", ev.t, turn=ev.turn, speaker=who, step=step, text=ev.text)
        self.view.said(who, ev.text, ev.t)
        self._execute(self.protocol.on_transcript(ev), ev.t)

    def _execute(self, decisions: list[Decision], t: float) -> None:
        for d in decisions:
            if isinstance(d, Say):
                self._say(d, t)
            elif isinstance(d, Note):
                self.log.write("note", t, kind=d.kind, detail=d.detail)
            elif isinstance(d, Finish):
                self.finished = d.reason
                self.log.write("finish", t, reason=d.reason)
            elif isinstance(d, Keep):
                p = self.protocol
                self.records.keepsakes.keep_request(d.text, p.sender, p.receiver, self.log.folder.name)
                self.log.write("keep", t, kind=d.kind, text=d.text)
            elif isinstance(d, Acknowledge):
                self.records.keepsakes.acknowledge()
                self.log.write("acknowledged", t)
        if self.protocol.speaker and not self.finished:
            label = f"{self.protocol.speaker} · {self.protocol.step.value}"
            self.view.status(label, max(t, self.coach_until))

    def _say(self, cue: Say, t: float) -> None:
        text = self.mouth.book.say(cue.key, cue.sender, cue.receiver, **self.s.cue_fields())
        audio = self.mouth.voice.render(text)
        start = max(t, self.coach_until)
        self.mouth.player.play(audio, start)
        self.coach_until = start + len(audio) / SAMPLE_RATE
        self.deaf_until = self.coach_until + self.s.echo_tail
        self._cues_playing.append((self.coach_until, cue.key))
        self.log.write(
            "cue", start, key=cue.key, text=text, end=round(self.coach_until, 3),
            step=self.protocol.step.value,
        )
        self.view.said("Coach", text, start)
