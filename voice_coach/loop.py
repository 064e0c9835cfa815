"""The one consumer: frames in, speech detection, turns, the protocol, cues out.

The audio callback only fills a queue (see audio_source); transcription runs in its worker and
comes back here as events. Everything is stamped with stream time, so the same loop runs on a
microphone in real time or on a file as fast as the CPU allows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .coaching import slowdown
from .coaching.care import CareWatch
from .coaching.fidelity import feedback_line
from .coaching.heat import Heat, speech_level_db
from .coaching.mirror_watch import MirrorWatch
from .dialogue.protocol import UNANSWERED, Acknowledge, Decision, Dialogue, Finish, Keep, Say
from .errors import DeviceLost
from .events import (
    CueFinished,
    Note,
    PieceTranscribed,
    SpeechStarted,
    Tick,
    TranscribeRequest,
    TurnEnded,
    TurnStarted,
    TurnTranscribed,
)
from .hearing.audio_source import FRAME_SECS, AudioSource, Frame, InputHealth, MicrophoneBack, MicrophoneLost
from .hearing.classifiers import FrameClassifier
from .hearing.over_coach import OverCoach
from .hearing.patience import Patience
from .hearing.smart_turn import TurnJudge
from .hearing.speech_gate import SpeechGate
from .hearing.transcriber import TranscriptionWorker
from .hearing.turns import EndOfTurnCheck, TurnDetector, TurnEvent, WentOn
from .hearing.voiceprint import VoiceEncoder
from .hearing.whose_voice import WhoseVoice
from .records.keepsakes import Keepsakes
from .records.session_log import SessionLog
from .settings import Settings
from .speaking.coach import Coach, Mouth
from .speaking.cue_queue import Utterance
from .view import ConsoleView

# Pieces this short are answers and commands: Whisper gets their vocabulary as a prompt.
SHORT_REPLY_SECS = 3.0
# A voiceprint from the last seconds of a stretch of speech: enough to know a voice, and its cost
# (~45 ms of one core a second of speech) stays small however long the partner talked without a breath.
VOICE_SECS = 3.0
# A partner who talked over the coach and goes on after the cue is heard from the moment the
# microphone opens (their speech's start, as the gate dates it, within this long of the verdict);
# their voice, at the first breath long enough to tell, says who. A later start is an answer.
OVER_COACH_WAIT = 0.3  # Silero takes a few frames to rise after the shut microphone


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
    """How the coach hears: the source, the speech classifier that listens to it, and the judge
    (Smart Turn) that tells a finished thought from a search for words; without one, every pause
    waits the full end silence. The voice encoder tells one partner's voice from the other's."""

    source: AudioSource
    classifier: FrameClassifier
    judge: TurnJudge | None = None
    voices: VoiceEncoder | None = None  # tells the partners apart; without it no cut-in is noticed


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
        from .hearing.transcripts import TranscriptAssembler

        self.s, self.ears, self.mouth, self.worker = settings, ears, mouth, worker
        self.protocol, self.records, self.log, self.view = protocol, records, records.log, view
        self.gate = SpeechGate(settings.gate_params())
        self.detector = TurnDetector(settings.turn_params())
        self.assembler = TranscriptAssembler()
        self.history = AudioHistory()
        self.coach = Coach(mouth, records.log, view, settings.echo_tail, self._on_play)
        self.finished: str | None = None
        self.t = 0.0
        self._speakers: dict[int, str | None] = {}
        self._steps: dict[int, str] = {}  # the protocol step each turn answered
        self._vocabulary = mouth.book.vocabulary(settings.timeout_word)
        self.slowdown = slowdown.Slowdown(settings.slowdown_params())
        self.mirrors = MirrorWatch((settings.sender, settings.receiver))
        self.voices = WhoseVoice((settings.sender, settings.receiver), settings.voice_params())
        self.over_coach = OverCoach(settings.over_coach_params()) if settings.over_coach_check else None
        self.patience = Patience(settings.patience_params())
        self.care = CareWatch()
        self.heat = Heat() if settings.care_check else None
        self._sound: dict[int, tuple[float, float]] = {}  # turn -> (seconds, speech level dBFS)
        self.input_health: InputHealth | None = None  # what the microphone lost, as last told
        self._next_health_check = 0.0
        # The last turn the coach answered as it ended: (turn, end of its speech). If the next turn
        # is that partner going on, the answer came too soon and is taken back.
        self._answered: tuple[int, float] | None = None
        self._pause_heard: WentOn | None = None  # a pause inside a turn that its partner went on after
        self._turn_now: int | None = None  # the turn the current speech belongs to
        self._speech_since: float | None = None  # start of the current stretch of speech
        # A talk-over of the coach (when), waiting to be told with the voice that goes on after the
        # cue, and until when someone must have started speaking for that.
        self._over_coach: tuple[float, float] | None = None

    def run(self, stopped: Callable[[], KeyboardInterrupt | None] = lambda: None) -> str:
        """Run until the protocol finishes or the source ends; return why it ended. `stopped`
        is asked at every frame: Ctrl-C or SIGTERM, raised here when a library swallowed it."""
        self._execute(self.protocol.start(), 0.0)
        try:
            for item in self.ears.source.frames():
                stop = stopped()
                if stop is not None:  # before its own exception arrived, or instead of it
                    self.log.write("note", self.t, kind="stop", detail="Ctrl-C or SIGTERM, heard at a frame")
                    raise type(stop)()
                if not isinstance(item, Frame):
                    self._microphone(item)
                    continue
                self._step(item)
                if self.finished and self.t >= self.coach.queue.until:
                    break
        except DeviceLost:
            self._say_now("mic_gone", self.t)
            raise
        self.ears.source.stop()
        return self.finished or "audio ended"

    def _microphone(self, change: MicrophoneLost | MicrophoneBack) -> None:
        """The couple hears when the microphone goes and when it is back (by voice while the
        speaker works, and in a line); the log notes both, with the time away."""
        if isinstance(change, MicrophoneLost):
            self.log.write("note", change.t, kind="microphone", detail="lost")
            self.view.info("The microphone stopped sending audio: waiting for it to come back.", change.t)
            self._say_now("mic_lost", change.t)
        else:
            self.log.write("note", change.t, kind="microphone", detail="back", value=round(change.away, 2))
            self.view.info(f"The microphone is back after {change.away:.0f} s.", change.t)
            p = self.protocol
            self._speak([self._wording(Say("mic_back", p.sender, p.receiver))], change.t)

    def _say_now(self, key: str, t: float) -> None:
        """Say a cue at once (the microphone is gone, and stream time with it)."""
        p = self.protocol
        self.coach.say_now([self._wording(Say(key, p.sender, p.receiver))], t, p.step.value)

    def _step(self, frame: Frame) -> None:
        self.t = end = frame.t + FRAME_SECS
        self.history.append(frame)
        self._collect_transcripts(wait=False)
        voiced = not self.coach.queue.is_deaf(frame.t, end) and self.ears.classifier.is_speech(frame.pcm)
        if self.over_coach is not None:
            for at in self.over_coach.hear(frame.t, frame.pcm, voiced or self.gate.speaking):
                if self.ears.voices is None:
                    self._slow_down(self.slowdown.feed(slowdown.HeardOverCoach(at)), end)
                else:
                    self._told_over_coach(None)  # an earlier one still unnamed (cues back to back)
                    self._over_coach = (at, end + OVER_COACH_WAIT)
        change = self.gate.push(frame.t, voiced)
        if self._over_coach is not None:
            at, by = self._over_coach
            if isinstance(change, SpeechStarted) and change.t <= by:
                # Speaking as the microphone opened: they went on from the cue. Told by voice at a breath.
                self._over_coach = (at, float("inf"))
            elif end >= by + 0.5:  # nobody went on (the gate would have said by now): unnamed
                self._told_over_coach(None)
        if change is not None:
            self._slow_down(self.slowdown.feed(change), end)
            self._on_turn_events(self.detector.on_speech(change))
            if isinstance(change, SpeechStarted):
                self._speech_since = change.t
            else:
                self._whose_voice(change.t)
        if not self.ears.source.realtime:
            self._await_words()
        self._on_turn_events(self.detector.tick(end))
        self.coach.release(end)
        for cue_end, key in self.coach.queue.finished(end):
            self._execute(self.protocol.on_cue_finished(CueFinished(key, cue_end)), end)
        if end >= self.coach.queue.until:
            self._execute(self.protocol.on_tick(Tick(end)), end)
        self._watch_input(end)
        self.view.tick(end)

    def _watch_input(self, t: float) -> None:
        """Input the microphone lost or the queue had no room for (filled with silence, so that
        times stay true) is logged and shown each time it grows, once a second at most: never
        hidden, since words may be missing from that moment."""
        health = getattr(self.ears.source, "health", None)
        if health is None or t < self._next_health_check:
            return
        self._next_health_check = t + 1.0
        now: InputHealth = health()
        if now == self.input_health or not (now.overflows or now.filled_secs):
            return
        self.input_health = now
        detail = (f"{now.overflows} overflow(s); {now.lost_secs:.2f} s of input lost, "
                  f"{now.dropped_secs:.2f} s dropped (the computer fell behind), filled with silence")
        self.log.write("note", t, kind="input", detail=detail, value=round(now.filled_secs, 3))
        self.view.info(f"The microphone's input has gaps so far: {detail}. Words may be missing there.", t)

    def _on_turn_events(self, events: list[TurnEvent]) -> None:
        for ev in events:
            if isinstance(ev, TurnStarted):
                self.coach.drop_held_prompt(ev.t, "prompt_mirror", "partner began before it")
                who = self.protocol.speaker
                self._speakers[ev.turn] = who
                self._turn_now = ev.turn
                self.log.write("turn_start", ev.t, turn=ev.turn, speaker=who)
                self._execute(self.protocol.on_turn_started(ev), ev.t)
                self._hold(who)
            elif isinstance(ev, WentOn):  # learnt at the next breath, once the voice is known
                self._pause_heard = ev
            elif isinstance(ev, TranscribeRequest):
                short = ev.end - ev.start <= SHORT_REPLY_SECS
                prompt = self._vocabulary if short else None
                self.worker.submit(ev, self.history.slice(ev.start, ev.end), prompt)
            elif isinstance(ev, EndOfTurnCheck):
                if self.ears.judge is not None:  # ~80 ms, once per pause: the queue absorbs it
                    p = self.ears.judge.probability(self.history.slice(ev.start, ev.end))
                    self.detector.on_judgement(ev.turn, ev.speech_end, p)
            elif isinstance(ev, TurnEnded):
                self._on_turn_ended(ev)

    def _hold(self, who: str | None) -> None:
        """A finished-sounding thought may still go on after a sentence ("Let me see if I got
        that. ...", "Well... there isn't that much difference"): its end waits for a breath, and
        longer for a partner seen to pause longer (patience.py). Only words that already are a
        whole answer are answered sooner (Dialogue.complete_answer). Where the coach will not
        answer, the other partner does, and soon: nothing to hold."""
        if self.protocol.step in UNANSWERED:
            self.detector.hold(0.0)
        else:
            self.detector.hold(*self.patience.waits(who, self.s.min_breath, self.s.end_silence_max))

    def _learn_pause(self, who: str | None, pause: float, t: float, finished: bool = True) -> None:
        before = self.patience.hold(who, self.s.min_breath)
        self.patience.went_on(who, pause, finished)
        now = self.patience.hold(who, self.s.min_breath)
        if abs(now - before) > 0.05:
            self.log.write("note", t, kind="patience", detail=f"the coach now waits {now:.1f} s for {who}",
                           value=round(now, 3), pause=round(pause, 3))
        if self.detector.in_turn:
            self._hold(who)

    def _went_on(self, heard: str, expected: str, start: float, sure: bool) -> bool:
        """Whether the first voice told in the turn after an answer is the partner answered: they
        were not done, over the cue or after it. Then the answer is taken back and the turn is
        theirs; over the cue, the pause also teaches the coach to wait longer for them (after the
        cue it was longer than any hold). Without a talk-over, only a voice told against a known
        one counts: the receiver's first mirror is the likeliest to be misheard."""
        answered = self._answered
        if answered is None or self._turn_now != answered[0] + 1:
            return False
        self._answered = None  # the turn's first voice only: later on, the other speaking is a cut-in
        over = self._over_coach[0] if self._over_coach is not None else None
        if heard == expected or (over is None and not sure):
            return False
        taken = self.protocol.take_back(heard)
        if not taken:
            return False
        at = start if over is None else over
        self._speakers[self._turn_now] = heard
        self._execute(taken, at)
        self.slowdown.feed(slowdown.TakenBack(at, self.protocol.step.value))
        self._learn_pause(heard, at - answered[1], at)
        return True

    def _whose_voice(self, stop: float) -> None:
        """At each breath: was that the partner whose turn it is? What the voice tells goes where
        it is needed: the take-back of an answer given too soon, the name of a talk-over, the pause
        learnt before it, a cut-in."""
        start, self._speech_since = self._speech_since, None
        expected = self._speakers.get(self._turn_now) if self._turn_now is not None else None
        sure = expected is not None and self.voices.known(expected)  # before this speech teaches it
        heard = self._tell_voice(start, stop, expected)
        if heard is not None and expected is not None and start is not None and self._went_on(
                heard, expected, start, sure):
            expected = heard
        if heard is not None:
            self._told_over_coach(heard)
        self._learn_heard_pause(heard)
        if heard is not None and expected is not None:
            self._slow_down(self.slowdown.feed(slowdown.VoiceHeard(stop, expected, heard)), self.t)

    def _tell_voice(self, start: float | None, stop: float, expected: str | None) -> str | None:
        """Whose voice the speech over [start, stop) is, if it is long enough to tell: up to
        ~130 ms, once per stretch of speech, like Smart Turn's judgement (the audio queue absorbs it)."""
        if self.ears.voices is None or start is None or expected is None:
            return None
        if stop - start < self.voices.p.min_secs:
            return None
        vector = self.ears.voices.embed(self.history.slice(max(start, stop - VOICE_SECS), stop))
        return self.voices.heard(expected, vector, stop - start)

    def _learn_heard_pause(self, heard: str | None) -> None:
        """The pause a partner went on after teaches how long they pause, unless the voice after
        it was told as the other's (starting in the pause); an "mm" too short to tell is taken for
        the partner's own, which can only make a pause seem shorter."""
        if self._pause_heard is None:
            return
        went, self._pause_heard = self._pause_heard, None
        who = self._speakers.get(went.turn)
        if heard is None or heard == who:
            self._learn_pause(who, went.pause, went.t, went.finished)

    def _told_over_coach(self, who: str | None) -> None:
        if self._over_coach is not None:
            at, self._over_coach = self._over_coach[0], None
            self._slow_down(self.slowdown.feed(slowdown.HeardOverCoach(at, who)), self.t)

    def _on_turn_ended(self, ev: TurnEnded) -> None:
        self._told_over_coach(None)  # a turn too short to tell the voice
        who = self._speakers.get(ev.turn)
        self._steps[ev.turn] = step = self.protocol.step.value
        self.log.write(
            "turn_end", ev.decided_at, turn=ev.turn, speaker=who, step=step, start=round(ev.start, 3),
            end=round(ev.end, 3), duration=round(ev.end - ev.start, 3), pieces=len(ev.pieces),
            judged=None if ev.probability is None else round(ev.probability, 3), words=ev.words,
        )
        ended = slowdown.TurnDone(ev.decided_at, ev.turn, who, self._role(step))
        self._slow_down(self.slowdown.feed(ended), ev.decided_at)
        if self.heat is not None:
            self._sound[ev.turn] = (ev.end - ev.start, speech_level_db(self.history.slice(ev.start, ev.end)))
        answer = self.protocol.on_turn_ended(ev)
        self._answered = (ev.turn, ev.end) if answer else None
        self._execute(answer, ev.decided_at)
        if self.s.keep_audio:
            self.log.keep_audio(f"turn-{ev.turn:04d}", self.history.slice(ev.pieces[0][0], ev.end))
        done = self.assembler.on_turn_end(ev)
        if done:
            self._on_transcript(done)
        if not self.ears.source.realtime:
            # Faster than real time, the worker takes no stream time: wait for it here.
            while self.assembler.pending_turns():
                self._collect_transcripts(wait=True)

    def _await_words(self) -> None:
        """Faster than real time the worker takes no stream time; live, a pause's words arrive
        while the pause lasts. So wait for them here whenever they could end the pause sooner."""
        while self.detector.needs_words():
            idle = self.worker.idle
            self._collect_transcripts(wait=not idle)
            if idle:
                return

    def _collect_transcripts(self, wait: bool) -> None:
        for r in self.worker.results(wait=wait, timeout=30.0 if wait else None):
            req = r.request
            if r.failed is not None:  # no words (r.text is empty): the piece is heard as silence
                self.log.write("note", self.t, kind="transcription_failed", turn=req.turn, detail=r.failed)
            self.detector.on_words(req.turn, req.end, r.text, self.protocol.complete_answer(r.text))
            self._care_for(self.care.on_piece(req.turn, r.text), self.t)
            ev = PieceTranscribed(req.turn, req.start, req.end, r.text, r.seconds, self.t)
            done = self.assembler.on_piece(ev)
            if done:
                self._on_transcript(done)

    def _on_transcript(self, ev: TurnTranscribed) -> None:
        who = self._speakers.pop(ev.turn, None) or "?"
        step = self._steps.pop(ev.turn, None)
        words = {"words": len(ev.text.split())} if self.s.no_transcripts else {"text": ev.text}
        self.log.write("transcript", ev.t, turn=ev.turn, speaker=who, step=step, **words)
        self.view.said(who, ev.text, ev.t)
        self._slow_down(self.slowdown.feed(slowdown.TurnText(ev.t, ev.turn, ev.text)), ev.t)
        self._care_for(self.care.on_turn(ev.turn, ev.text), ev.t)
        if self.heat is not None and ev.turn in self._sound:
            secs, level = self._sound.pop(ev.turn)
            self.heat.turn(ev.t, who, secs, level, ev.text)
            self._cool_down(ev.t)
        mirror = self.mirrors.on_transcript(step, ev.text)
        if mirror is not None:
            fields = mirror.log_fields()
            if self.s.no_transcripts:
                fields = {k: v for k, v in fields.items() if k not in ("missed", "added")}
            self.log.write("note", ev.t, kind="fidelity", turn=ev.turn, **fields)
        decisions = self.protocol.on_transcript(ev)
        confirmed = any(isinstance(d, Note) and d.kind == "answer" and d.detail in ("yes", "assumed_yes")
                        for d in decisions)
        if step == "check" and confirmed:
            self._round_feedback(ev.t)
        self._execute(decisions, ev.t)

    def _care_for(self, danger: str | None, t: float) -> None:
        """Words that tell of danger: the protocol stops the exercise (Dialogue.on_danger)."""
        if danger is not None:
            self._stop_for(self.protocol.on_danger(danger), t, "a partner spoke of danger")

    def _cool_down(self, t: float) -> None:
        """Several signs of heat close together: a time-out (Dialogue.on_heated)."""
        due = self.heat.break_due(t) if self.heat is not None else None
        if due:
            signs = ", ".join(sorted({s.kind for s in due}))
            self._stop_for(self.protocol.on_heated(signs), t, "it got heated")

    def _stop_for(self, decisions: list[Decision], t: float, reason: str) -> None:
        """The protocol stops for care: whatever the coach was about to say is dropped first."""
        if any(isinstance(d, Say) for d in decisions):
            self.coach.drop_all(t, reason)
        self._execute(decisions, t)

    def _round_feedback(self, t: float) -> None:
        """One short, kind line on the round's mirroring: always logged, spoken when asked for."""
        combined = self.mirrors.end_round()
        line = feedback_line(combined, self.protocol.sender, self.mouth.book.feedback) if combined else None
        if line and combined is not None:
            said = "" if self.s.no_transcripts else line  # the line quotes the partners' words
            self.log.write("note", t, kind="feedback", detail=said, recall=round(combined.recall, 3))
            if self.s.mirror_feedback:
                self._speak([("feedback", line)], t)

    def _slow_down(self, decisions: list[slowdown.Decision], t: float) -> None:
        for d in decisions:
            if isinstance(d, slowdown.Remind):
                p = self.protocol
                self._speak([self._wording(Say(d.key, p.sender, p.receiver))], max(t, d.t))
            else:
                at = t if d.t is None else d.t
                self.log.write("note", at, kind=d.kind, detail=d.detail, turn=d.turn, value=d.value)
                if d.kind == "interruption" and self.heat is not None:
                    self.heat.overlap(at)
                    self._cool_down(t)

    def _execute(self, decisions: list[Decision], t: float) -> None:
        said = [self._wording(d) for d in decisions if isinstance(d, Say)]
        if said:  # the cues of one decision are said as one utterance, before what comes after them
            self._speak(said, t)
        for d in decisions:
            if isinstance(d, Note):
                self.log.write("note", t, kind=d.kind, detail=d.detail)
            elif isinstance(d, Finish):
                self.finished = d.reason
                self.log.write("finish", t, reason=d.reason)
            elif isinstance(d, Keep):
                p = self.protocol
                self.records.keepsakes.keep_request(d.text, p.sender, p.receiver, self.log.folder.name)
                self.log.write("keep", t, kind=d.kind, **({} if self.s.no_transcripts else {"text": d.text}))
            elif isinstance(d, Acknowledge):
                self.records.keepsakes.acknowledge()
                self.log.write("acknowledged", t)
        if self.protocol.speaker and not self.finished:
            label = f"{self.protocol.speaker} · {self.protocol.step.value}"
            self.view.status(label, max(t, self.coach.queue.until))

    def _wording(self, cue: Say) -> tuple[str, str]:
        return cue.key, self.mouth.book.say(cue.key, cue.sender, cue.receiver, **self.s.cue_fields())

    def _speak(self, said: list[tuple[str, str]], t: float) -> None:
        """Say cues (key, text) from `t` on, as one utterance after whatever is queued."""
        self.coach.say(said, t, self.protocol.step.value, now=self.t, realtime=self.ears.source.realtime,
                       not_before=self.slowdown.not_before)

    def _role(self, step: str) -> str:
        """What the slow-down is told a turn or cue is: a paused coach owes no answer."""
        return slowdown.PAUSED if self.protocol.paused else step

    def _on_play(self, cue: Utterance) -> None:
        """An utterance goes to the speaker: the talk-over check and the slow-down hear of it."""
        if self.over_coach is not None:
            self.over_coach.expect(cue.start, cue.end, cue.audio)
        role = self._role(cue.step)
        for part in cue.parts:
            start, end = cue.start + part.since, cue.start + part.until
            self.slowdown.feed(slowdown.CueSaid(start, end, part.key, role))
