"""The one consumer: frames in, speech detection, turns, the protocol, cues out.

The audio callback only fills a queue (see audio_source); transcription runs in its worker and
comes back here as events. Everything is stamped with stream time, so the same loop runs on a
microphone in real time or on a file as fast as the CPU allows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .coaching import slowdown
from .coaching.care import MeaningJudge
from .dialogue.protocol import (
    UNANSWERED,
    Decision,
    Dialogue,
    Say,
    Step,
)
from .errors import DeviceLost
from .events import (
    CueFinished,
    SpeechStarted,
    SpeechStopped,
    Tick,
    TranscribeRequest,
    TurnEnded,
    TurnStarted,
    TurnTranscribed,
)
from .hearing.audio_history import AudioHistory, speech_level_db
from .hearing.audio_source import (
    FRAME_SECS,
    AudioSource,
    Frame,
    InputHealth,
    InputWatch,
    MicrophoneBack,
    MicrophoneLost,
)
from .hearing.classifiers import FrameClassifier
from .hearing.over_coach import OverCoach
from .hearing.partner_voices import PartnerVoices, Verdict
from .hearing.patience import Holds, Patience, Pause
from .hearing.smart_turn import TurnJudge
from .hearing.speech_gate import SpeechGate
from .hearing.transcriber import Result, TranscriptionWorker
from .hearing.transcripts import Transcription
from .hearing.turns import EndOfTurnCheck, TurnDetector, TurnEvent, WentOn
from .hearing.voiceprint import VoiceEncoder
from .hearing.who_spoke import GoingOn, Stretch, TakeBack, TalkOverName, WhoSpoke
from .outcomes import Outcomes, Records
from .settings import Settings
from .speaking.coach import Coach, Mouth
from .speaking.cue_queue import Utterance
from .view import ConsoleView
from .watches import Watches

__all__ = ["Ears", "Mouth", "Records", "SessionLoop"]


@dataclass(frozen=True)
class Ears:
    """How the coach hears: the source, the speech classifier that listens to it, and the judge
    (Smart Turn) that tells a finished thought from a search for words; without one, every pause
    waits the full end silence. The voice encoder tells one partner's voice from the other's; the
    meaning classifier hears danger the care phrases did not foresee."""

    source: AudioSource
    classifier: FrameClassifier
    judge: TurnJudge | None = None
    voices: VoiceEncoder | None = None  # tells the partners apart; without it no cut-in is noticed
    meaning: MeaningJudge | None = None  # without it danger is heard by the phrases alone
    couple: PartnerVoices | None = None  # the partners' hellos: other voices are not turns


@dataclass
class _Ended:
    """What the loop keeps of an ended turn until its words are in."""

    step: Step  # the protocol step the turn answered
    sound: tuple[float, float] | None  # (seconds, speech level dBFS), for the heat watch


class SessionLoop:
    """Runs a session on one thread: each frame goes through the ears to the protocol, the
    slow-down and the watches of the words (Watches: care, heat, mirroring); what they decide is
    said and written by Outcomes. Each job keeps its own state: who spoke (WhoSpoke, TakeBack,
    TalkOverName), the partners' pauses (Holds), the words (Transcription), the input's gaps
    (InputWatch)."""

    def __init__(
        self, settings: Settings, ears: Ears, mouth: Mouth, worker: TranscriptionWorker,
        protocol: Dialogue, records: Records, view: ConsoleView,
    ) -> None:
        self.s, self.ears, self.mouth = settings, ears, mouth
        self.protocol, self.log, self.view = protocol, records.log, view
        self.gate = SpeechGate(settings.gate_params())
        self.detector = TurnDetector(settings.turn_params())
        self.history = AudioHistory()
        self.words = Transcription(worker, self.history, mouth.book.vocabulary(settings.timeout_word),
                                   ears.source.realtime, self._on_words)
        self.coach = Coach(mouth, records.log, view, settings.echo_tail, self._on_play)
        self.t = 0.0
        self.slowdown = slowdown.Slowdown(settings.slowdown_params())
        self.who = WhoSpoke((settings.sender, settings.receiver), settings.voice_params(), ears.voices,
                            self.history, ears.couple)
        self.out = Outcomes(settings, protocol, self.coach, mouth.book, records, self.who.couple, view,
                            lambda: self.t, ears.source.realtime, self.slowdown.not_before)
        self.take_back = TakeBack()
        self.over_coach = OverCoach(settings.over_coach_params()) if settings.over_coach_check else None
        self.talk_over = TalkOverName()
        patience = Patience(settings.patience_params())
        self.holds = Holds(patience, settings.min_breath, settings.end_silence_max)
        self.watches = Watches(settings, ears.meaning, protocol, self.out)
        self.input = InputWatch(ears.source)
        self._ended: dict[int, _Ended] = {}
        self._others: set[int] = set()  # turns told as another voice than the partners': ignored

    @property
    def input_health(self) -> InputHealth | None:
        """What the microphone lost, as last told."""
        return self.input.told

    def run(self, stopped: Callable[[], KeyboardInterrupt | None] = lambda: None) -> str:
        """Run until the protocol finishes or the source ends; return why it ended. `stopped`
        is asked at every frame: Ctrl-C or SIGTERM, raised here when a library swallowed it."""
        self.out.execute(self.protocol.start(), 0.0)
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
                if self.out.finished and self.t >= self.coach.queue.until:
                    break
        except DeviceLost:
            self.out.say_now("mic_gone", self.t)
            raise
        self.ears.source.stop()
        return self.out.finished or "audio ended"

    def _microphone(self, change: MicrophoneLost | MicrophoneBack) -> None:
        """The couple hears when the microphone goes and when it is back (by voice while the
        speaker works, and in a line); the log notes both, with the time away."""
        if isinstance(change, MicrophoneLost):
            self.log.write("note", change.t, kind="microphone", detail="lost")
            self.view.info("The microphone stopped sending audio: waiting for it to come back.", change.t)
            self.out.say_now("mic_lost", change.t)
        else:
            self.log.write("note", change.t, kind="microphone", detail="back", value=round(change.away, 2))
            self.view.info(f"The microphone is back after {change.away:.0f} s.", change.t)
            self.out.say("mic_back", change.t)

    def _step(self, frame: Frame) -> None:
        self.t = end = frame.t + FRAME_SECS
        self.history.append(frame)
        self.words.collect()
        voiced = not self.coach.queue.is_deaf(frame.t, end) and self.ears.classifier.is_speech(frame.pcm)
        if self.over_coach is not None:
            for at in self.over_coach.hear(frame.t, frame.pcm, voiced or self.gate.speaking):
                if self.ears.voices is None:
                    self._slow_down(self.slowdown.feed(slowdown.HeardOverCoach(at)), end)
                else:
                    self._told_over_coach(self.talk_over.heard(at, end), None)
        change = self.gate.push(frame.t, voiced)
        self._told_over_coach(self.talk_over.on_speech(change, end), None)
        if change is not None:
            self._slow_down(self.slowdown.feed(change), end)
            self._on_turn_events(self.detector.on_speech(change))
            self._whose_voice(change)
        self.words.while_needed(self.detector.needs_words)
        self._on_turn_events(self.detector.tick(end))
        self.coach.release(end, frame.behind)
        for cue_end, key in self.coach.queue.finished(end):
            self.out.execute(self.protocol.on_cue_finished(CueFinished(key, cue_end)), end)
        if end >= self.coach.queue.until:
            self.out.execute(self.protocol.on_tick(Tick(end)), end)
        self._watch_input(end)
        self.view.tick(end)

    def _watch_input(self, t: float) -> None:
        """Gaps in the input are logged and shown as they grow: words may be missing there."""
        now = self.input.check(t)
        if now is None:
            return
        detail = (f"{now.overflows} overflow(s); {now.lost_secs:.2f} s of input lost, "
                  f"{now.dropped_secs:.2f} s dropped (the computer fell behind), filled with silence")
        self.log.write("note", t, kind="input", detail=detail, value=round(now.filled_secs, 3))
        self.view.info(f"The microphone's input has gaps so far: {detail}. Words may be missing there.", t)

    def _on_turn_events(self, events: list[TurnEvent]) -> None:
        for ev in events:
            if isinstance(ev, TurnStarted):
                self.coach.drop_held_prompt(ev.t, "prompt_mirror", "partner began before it")
                who = self.protocol.speaker
                self.who.turn_started(ev.turn, who)
                self.log.write("turn_start", ev.t, turn=ev.turn, speaker=who)
                self.out.execute(self.protocol.on_turn_started(ev), ev.t)
                self._hold(who)
            elif isinstance(ev, WentOn):  # learnt at the next breath, once the voice is known
                self.who.went_on(ev)
            elif isinstance(ev, TranscribeRequest):
                self.words.request(ev)
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
        whole answer are answered sooner (Dialogue.complete_answer); a sentence of hello is one."""
        waits = self.holds.waits(who, answered=self.protocol.step not in UNANSWERED)
        hello = self.who.couple.p.end_after if self.protocol.hearing_hello else None
        self.detector.hold(*waits, answer=hello)

    def _learn_pause(self, pause: Pause) -> None:
        now = self.holds.learn(pause)
        if now is not None:
            detail = f"the coach now waits {now:.1f} s for {pause.who}"
            self.log.write("note", pause.t, kind="patience", detail=detail, value=round(now, 3),
                           pause=round(pause.secs, 3))
        if self.detector.in_turn:
            self._hold(pause.who)

    def _whose_voice(self, change: SpeechStarted | SpeechStopped) -> None:
        """Speech started, or stopped at a breath: was that the partner whose turn it is? What the
        voice tells goes where it is needed: the take-back of an answer given too soon, the name
        of a talk-over, the pause learnt before it, a cut-in."""
        told = self.who.on_speech(change)
        if told is None or self._handed_over(told):
            return
        expected, heard = told.expected, told.heard
        going_on = self.take_back.going_on(told, self.talk_over.at)
        if going_on is not None and self._taken_back(going_on):
            expected = going_on.who
        if heard is not None:
            self._told_over_coach(self.talk_over.name(), heard)
        pause = self.who.pause_before(heard)
        if pause is not None:
            self._learn_pause(pause)
        if heard is not None and expected is not None:
            self._slow_down(self.slowdown.feed(slowdown.VoiceHeard(told.stop, expected, heard)), self.t)

    def _handed_over(self, told: Stretch) -> bool:
        """The other partner began on their own after the turn sounded finished (a receiver who
        mirrors without waiting for the cue, a sender who answers "did I get it?"): the turn ended
        at that pause and theirs began, as if the coach had answered and they had replied; the
        coach's answer is not said. Not so inside a thought: that is a cut-in."""
        hand = self.protocol.hand_over()
        if hand is None or told.start is None or not told.sure or told.heard in (None, told.expected):
            return False
        if told.heard != hand[0]:  # the other partner, in a step whose next turn is not theirs
            return False
        events = self.detector.hand_over(told.start, self.t, min_turn=hand[1])
        if not events:
            return False
        self.who.handed_over()
        end = next(e.end for e in events if isinstance(e, TurnEnded))
        self.slowdown.feed(slowdown.HandedOver(told.start, told.stop, end))
        detail = f"{told.heard} began after {told.expected}"
        self.log.write("note", told.start, kind="handed_over", detail=detail)
        for ev in events:  # the turn that ended is answered without a word: they are speaking
            if isinstance(ev, TurnEnded):
                self._on_turn_ended(ev, quiet=True)
            else:
                self._on_turn_events([ev])
        self.slowdown.feed(slowdown.TurnRole(told.start, self._role(self.protocol.step)))
        return True

    def _taken_back(self, going_on: GoingOn) -> bool:
        """The partner answered went on: the protocol takes its answer back, if it can, and the
        turn is theirs."""
        taken = self.protocol.take_back(going_on.who)
        if not taken:
            return False
        self.who.taken_back(going_on.who)
        self.out.execute(taken, going_on.at)
        self.slowdown.feed(slowdown.TurnRole(going_on.at, self.protocol.step))
        self._learn_pause(going_on.pause)
        return True

    def _told_over_coach(self, at: float | None, who: str | None) -> None:
        """A talk-over of the coach from `at` (None: none to tell), named `who` if the voice was told."""
        if at is not None:
            self._slow_down(self.slowdown.feed(slowdown.HeardOverCoach(at, who)), self.t)

    def _on_turn_ended(self, ev: TurnEnded, quiet: bool = False) -> None:
        """A turn ended: told, logged, answered (`quiet`: the protocol moves on, but its cues are
        not said, as the next partner already speaks), and its words joined when they are in."""
        self._told_over_coach(self.talk_over.name(), None)  # a turn too short to tell the voice
        who = self.who.speaker(ev.turn)
        hello = self.protocol.hearing_hello and who is not None
        if not hello and self._someone_else(ev, who):
            return
        step = self.protocol.step
        sound = None
        if self.watches.hears_heat:
            sound = (ev.end - ev.start, speech_level_db(self.history.slice(ev.start, ev.end)))
        self._ended[ev.turn] = _Ended(step, sound)
        self.log.write(
            "turn_end", ev.decided_at, turn=ev.turn, speaker=who, step=step, start=round(ev.start, 3),
            end=round(ev.end, 3), duration=round(ev.end - ev.start, 3), pieces=len(ev.pieces),
            judged=None if ev.probability is None else round(ev.probability, 3), words=ev.words,
        )
        ended = slowdown.TurnDone(ev.decided_at, ev.turn, who, self._role(step))
        self._slow_down(self.slowdown.feed(ended), ev.decided_at)
        self.words.before_answering()
        answer = self._hello(ev, who) if hello and who is not None else self.protocol.on_turn_ended(ev)
        if quiet:
            answer = [d for d in answer if not isinstance(d, Say)]
        self.take_back.answered(ev.turn if answer else None, ev.end)
        self.out.execute(answer, ev.decided_at)
        if self.s.keep_audio:
            self.log.keep_audio(f"turn-{ev.turn:04d}", self.history.slice(ev.pieces[0][0], ev.end))
        done = self.words.turn_ended(ev)
        if done:
            self._on_transcript(done)
        self.words.after_turn()

    def _someone_else(self, ev: TurnEnded, who: str | None) -> bool:
        """Whether the turn that ended was not the partner's whose turn it is, and so was dealt
        with here: another voice (ignored), or the other partner out of turn (told, once a round)."""
        verdict = self.who.verdict(ev.turn, ev.start, ev.end)
        if not verdict.couple:
            self._another_voice(ev, verdict)
            return True
        voice = verdict.who
        if who is None or voice is None or not verdict.clearly(voice, self.s.voice_margin):
            return False
        told = self.protocol.on_wrong_partner(voice, ev.decided_at)
        if told is None:  # told already this round: taken as usual, in case the voice was misjudged
            return False
        self._not_a_turn(ev)
        self.out.execute(told, ev.decided_at)
        return True

    def _hello(self, ev: TurnEnded, who: str) -> list[Decision]:
        """A hello ended: the partner's voice is known if it was long enough (the protocol's note
        says how it went), and kept at once if the couple agreed to that in an earlier session."""
        heard = self.who.hello(who, ev.start, ev.end)
        answer = self.protocol.on_hello(ev.turn, heard)
        if heard:
            self.out.keep_hellos()
        return answer

    def _another_voice(self, ev: TurnEnded, verdict: Verdict) -> None:
        """Speech that was neither partner's (a television, a visitor): never a turn. Its time and
        length are logged, never its words; the coach goes on waiting for the partner."""
        self._not_a_turn(ev)
        secs = round(ev.end - ev.start, 2)
        self.log.write("note", ev.decided_at, kind="another_voice", turn=ev.turn, start=round(ev.start, 3),
                       value=secs, detail=verdict.reason, likeness=round(verdict.likeness, 3),
                       level=round(verdict.level, 1))
        self.view.info(f"(another voice for {secs:.1f} s: not taken as a partner's)", ev.decided_at)
        self.protocol.on_other_voice(ev.decided_at)

    def _not_a_turn(self, ev: TurnEnded) -> None:
        """The turn that ended is not answered and its words are not read (another voice, or a
        partner out of turn): the slow-down hears it as speech the coach owes no answer."""
        self._others.add(ev.turn)
        self.who.forget(ev.turn)
        self.words.discard(ev.turn)
        ignored = slowdown.TurnDone(ev.decided_at, ev.turn, None, slowdown.PAUSED)
        self._slow_down(self.slowdown.feed(ignored), ev.decided_at)

    def _on_words(self, r: Result) -> None:
        """A piece's words, back from the worker: the turn detector and the care watch read them
        at once; the turn's whole transcript once every piece is in."""
        req = r.request
        if req.turn in self._others:  # another voice's words: never read, never kept
            return
        if r.failed is not None:  # no words (r.text is empty): the piece is heard as silence
            self.log.write("note", self.t, kind="transcription_failed", turn=req.turn, detail=r.failed)
        self.detector.on_words(req.turn, req.end, r.text, self.protocol.complete_answer(r.text),
                               asked=self.protocol.asks_answer)
        self.watches.on_piece(req.turn, r.text, self.t)
        done = self.words.joined(r, self.t)
        if done:
            self._on_transcript(done)

    def _on_transcript(self, ev: TurnTranscribed) -> None:
        who = self.who.forget(ev.turn) or "?"
        ended = self._ended.pop(ev.turn, None)
        step = ended.step if ended is not None else None
        words = {"words": len(ev.text.split())} if self.s.no_transcripts else {"text": ev.text}
        self.log.write("transcript", ev.t, turn=ev.turn, speaker=who, step=step, **words)
        self.view.said(who, ev.text, ev.t)
        self._slow_down(self.slowdown.feed(ev), ev.t)
        self.watches.on_turn(ev.turn, who, step, ev.text, ended.sound if ended is not None else None, ev.t)
        decisions = self.protocol.on_transcript(ev)
        self.watches.answered(step, decisions, ev.t)
        self.out.execute(decisions, ev.t)

    def _slow_down(self, decisions: list[slowdown.Advice], t: float) -> None:
        for d in decisions:
            if isinstance(d, slowdown.Remind):
                self.out.say(d.key, max(t, d.t))
            else:
                at = t if d.t is None else d.t
                self.log.write("note", at, kind=d.kind, detail=d.detail, turn=d.turn, value=d.value)
                if d.kind == "interruption":
                    self.watches.overlap(at, t)

    def _role(self, step: Step) -> slowdown.Role:
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
