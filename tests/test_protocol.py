"""The dialogue and its exercises, driven by plain event lists. Each case: the exercise, what
the partners say (one string per turn; ("wait", s) lets s seconds of silence pass after the
last cue), and the cues the coach must say in order ("FINISH" when it ends the session)."""

from __future__ import annotations

import pytest

from voice_coach.dialogue.exercises import EXERCISES
from voice_coach.dialogue.phrasebook import load_phrasebook
from voice_coach.dialogue.protocol import (
    Acknowledge,
    Dialogue,
    Finish,
    Keep,
    ProtocolParams,
    Say,
    Step,
)
from voice_coach.events import CueFinished, Note, Tick, TurnEnded, TurnStarted, TurnTranscribed

BOOK = load_phrasebook()
PARAMS = ProtocolParams(remind_after=20, pause_after=30, flood_secs=60)


class Run:
    def __init__(self, exercise: str, first_use: bool = False) -> None:
        self.d = Dialogue(EXERCISES[exercise], "Alex", "Sam", BOOK, PARAMS, first_use=first_use)
        self.t, self.turn = 0.0, 0
        self.decisions: list = []
        self._take(self.d.start())

    def _take(self, ds: list) -> None:
        self.decisions += ds
        for d in ds:  # every cue is heard to its end before anything else happens
            if isinstance(d, Say):
                self.t += 3.0
                self.decisions += self.d.on_cue_finished(CueFinished(d.key, self.t))

    def says(self, text: str) -> None:
        """A turn of 0.3 s a word: it ends, and its words arrive half a second later."""
        self.turn += 1
        self.t += 1.0
        start = self.t
        self._take(self.d.on_turn_started(TurnStarted(self.turn, start)))
        self.t += 0.3 * max(1, len(text.split())) + 1.0
        self._take(self.d.on_turn_ended(TurnEnded(self.turn, start, self.t - 1.0, self.t, ((start, self.t - 1.0),))))
        self.t += 0.5
        self._take(self.d.on_transcript(TurnTranscribed(self.turn, text, self.t)))

    def waits(self, seconds: float) -> None:
        end = self.t + seconds
        while self.t < end:
            self.t += 1.0
            self._take(self.d.on_tick(Tick(self.t)))

    def cues(self) -> list[str]:
        return [d.key if isinstance(d, Say) else "FINISH"
                for d in self.decisions if isinstance(d, (Say, Finish))]

    def notes(self, kind: str) -> list[str]:
        return [d.detail for d in self.decisions if isinstance(d, Note) and d.kind == kind]


def play(exercise: str, script: list, first_use: bool = False) -> Run:
    run = Run(exercise, first_use)
    for item in script:
        if isinstance(item, tuple):
            run.waits(item[1])
        else:
            run.says(item)
    return run


SHARE = "When you came home late I felt worried."
MIRROR = "Let me see if I got that. When I came home late you felt worried."
PIECE = [SHARE, MIRROR, "Yes, you got it."]
ROUND = [*PIECE, "No, that's all.", "Let me see if I got all of that.", "Yes.",
         "You make sense, because you were alone.", "I imagine you might be feeling scared.", "Yes."]
ROUND_CUES = ["sender_starts", "prompt_mirror", "check", "more", "summary", "summary_check",
              "validate", "empathy", "empathy_check", "thanks_round"]

CASES = [
    ("dialogue: appointment, both partners send, close", "dialogue",
     ["Is now a good time?", "Yes, now is good.", *ROUND, *ROUND],
     ["welcome", "appointment", *ROUND_CUES, "switch", *ROUND_CUES, "close", "FINISH"]),
    ("dialogue: not now ends kindly", "dialogue",
     ["Is now a good time?", "No, not now."],
     ["welcome", "appointment", "appointment_later", "FINISH"]),
    ("dialogue: summary misses something, empathy corrected", "dialogue",
     ["Is now a good time?", "Sure.", *PIECE, "That's all.", "Let me see if I got all of that.",
      "Not quite.", "I was also scared.", "You were also scared.", "Yes.", "You make sense.",
      "I imagine you feel angry.", "No.", "I feel scared.", "You feel scared."],
     ["welcome", "appointment", "sender_starts", "prompt_mirror", "check", "more", "summary",
      "summary_check", "summary_missed", "prompt_mirror", "summary_check", "validate", "empathy",
      "empathy_check", "empathy_missed", "empathy_mirror", "thanks_round", "switch", "sender_starts"]),
    ("mirroring: one piece each", "mirroring",
     [*PIECE, "No, that's all.", *PIECE, "That's all."],
     ["welcome", "sender_starts", "prompt_mirror", "check", "more", "switch", "sender_starts",
      "prompt_mirror", "check", "more", "close", "FINISH"]),
    ("partly mirrored twice", "mirroring",
     [SHARE, MIRROR, "Partly.", "I also felt alone.", MIRROR, "Not quite.", "Alone.", MIRROR, "Yes."],
     ["welcome", "sender_starts", "prompt_mirror", "check", "say_missed", "prompt_mirror",
      "check", "say_missed", "prompt_mirror", "check", "more"]),
    ("is there more answered by going on", "mirroring",
     [*PIECE, "And the next morning you did not even say sorry to me.", MIRROR],
     ["welcome", "sender_starts", "prompt_mirror", "check", "more", "prompt_mirror", "check"]),
    ("is there more answered yes", "mirroring",
     [*PIECE, "Yes, there's more.", SHARE],
     ["welcome", "sender_starts", "prompt_mirror", "check", "more", "go_on", "prompt_mirror"]),
    ("unclear answer asked once again, then assumed yes", "mirroring",
     [SHARE, MIRROR, "Hmm.", "Uh."],
     ["welcome", "sender_starts", "prompt_mirror", "check", "ask_again", "more"]),
    ("a command in the middle of a piece", "mirroring",
     ["Pause.", SHARE, "Resume.", SHARE],
     ["welcome", "sender_starts", "paused", "resumed", "sender_starts", "prompt_mirror"]),
    ("a word that is no command inside a piece", "mirroring",
     ["I had to pause at work and then skip lunch and I felt tired.", MIRROR],
     ["welcome", "sender_starts", "prompt_mirror", "check"]),
    ("time out, then resume only when both say so", "mirroring",
     [SHARE, "Time out!", MIRROR, "Resume.", "Resume.", MIRROR],
     ["welcome", "sender_starts", "prompt_mirror", "time_out", "one_ready", "resumed",
      "prompt_mirror", "check"]),
    ("a silent partner: a reminder, then a pause", "mirroring",
     [("wait", 19)],
     ["welcome", "sender_starts"]),
    ("a silent partner: a reminder, then a pause (longer)", "mirroring",
     [("wait", 21), ("wait", 31), SHARE, "Resume.", SHARE],
     ["welcome", "sender_starts", "reminder", "silence_pause", "resumed", "sender_starts",
      "prompt_mirror"]),
    ("repeat that, and noise that gave no words", "mirroring",
     ["Repeat that.", "", SHARE],
     ["welcome", "sender_starts", "sender_starts", "prompt_mirror"]),
    ("switch by voice", "mirroring",
     ["Switch roles.", SHARE],
     ["welcome", "sender_starts", "switch", "sender_starts", "prompt_mirror"]),
    ("stop session said in a long piece: answered at its end, then stopped", "mirroring",
     ["I want to say, oh, stop session please."],
     ["welcome", "sender_starts", "prompt_mirror", "goodbye", "FINISH"]),
    ("a short command in a content step waits for its words", "mirroring",
     ["Stop session."],
     ["welcome", "sender_starts", "goodbye", "FINISH"]),
    ("appreciation: three stems each, mirrored", "appreciation",
     [*PIECE, *PIECE, *PIECE, *PIECE, *PIECE, *PIECE],
     ["appreciation_intro", "appreciation_1", "prompt_mirror", "check", "appreciation_2",
      "prompt_mirror", "check", "appreciation_3", "prompt_mirror", "check", "switch",
      "appreciation_1", "prompt_mirror", "check", "appreciation_2", "prompt_mirror", "check",
      "appreciation_3", "prompt_mirror", "check", "close", "FINISH"]),
    ("appreciation: skip a stem", "appreciation",
     ["Skip.", *PIECE],
     ["appreciation_intro", "appreciation_1", "skipped", "appreciation_2", "prompt_mirror",
      "check", "appreciation_3"]),
    ("frustration: seven stems, then validation and empathy", "frustration",
     [*PIECE * 7, "You make sense.", "I imagine you feel hurt.", "Yes."],
     ["frustration_intro"] + [x for i in range(1, 8) for x in (f"frustration_{i}", "prompt_mirror", "check")]
     + ["validate", "empathy", "empathy_check", "close", "FINISH"]),
    ("request: frustration, desire, three requests, a gift", "request",
     [*PIECE * 5, "I will call you by six when I am late, for the next month."],
     ["request_intro", "request_frustration", "prompt_mirror", "check", "request_desire",
      "prompt_mirror", "check", "request_guide", "request_1", "prompt_mirror", "check",
      "request_2", "prompt_mirror", "check", "request_3", "prompt_mirror", "check", "gift",
      "gift_thanks", "close", "FINISH"]),
    ("flooding: timed, never cut short, both partners", "flooding",
     ["You are so kind.", "I love your laugh.", ("wait", 55), ("wait", 10), "You are brave.", ("wait", 61)],
     ["welcome", "flooding", "flooding_time", "switch", "flooding", "flooding_time", "close", "FINISH"]),
]


@pytest.mark.parametrize("name,exercise,script,cues", CASES, ids=[c[0] for c in CASES])
def test_exercise_script(name, exercise, script, cues):
    assert play(exercise, script).cues() == cues


def test_first_use_safety_note_needs_a_yes_and_is_acknowledged():
    run = play("mirroring", ["Yes, we agree.", SHARE], first_use=True)
    assert run.cues() == ["safety_note", "welcome", "sender_starts", "prompt_mirror"]
    assert sum(isinstance(d, Acknowledge) for d in run.decisions) == 1


def test_first_use_declined_ends_kindly_without_acknowledging():
    run = play("mirroring", ["No."], first_use=True)
    assert run.cues() == ["safety_note", "safety_declined", "FINISH"]
    assert not any(isinstance(d, Acknowledge) for d in run.decisions)


def test_the_gift_is_kept():
    run = play("request", [*PIECE * 5, "I will call you by six when I am late."])
    kept = [d for d in run.decisions if isinstance(d, Keep)]
    assert kept == [Keep("request", "I will call you by six when I am late.")]


def test_roles_switch_and_names_follow():
    run = play("mirroring", [*PIECE, "No."])
    switch = [d for d in run.decisions if isinstance(d, Say)][-2]
    assert switch.key == "switch" and (switch.sender, switch.receiver) == ("Sam", "Alex")
    assert run.d.speaker == "Sam" and run.d.step is Step.SHARE


def test_mirror_loops_and_commands_are_logged():
    run = play("mirroring", [SHARE, MIRROR, "Partly.", "Alone.", MIRROR, "No.", "Pause."])
    assert run.notes("mirror_loop") == ["1", "2"]
    assert run.notes("command") == ["pause"]
    assert run.notes("answer") == ["partly", "no"]


def test_flooding_waits_for_the_speaker_to_finish():
    run = Run("flooding")
    run.waits(59)
    run.d.on_turn_started(TurnStarted(1, run.t))
    assert run.d.on_tick(Tick(run.t + 5)) == []  # time is up, but Alex is speaking
    ds = run.d.on_transcript(TurnTranscribed(1, "You are wonderful.", run.t + 6))
    assert ds == [Note("appreciation", "")]
    assert [d.key for d in run.d.on_tick(Tick(run.t + 7)) if isinstance(d, Say)] == ["flooding_time", "switch", "flooding"]


def test_while_paused_turns_are_ignored_and_no_reminders():
    run = play("mirroring", ["Pause.", SHARE, ("wait", 120)])
    assert run.cues() == ["welcome", "sender_starts", "paused"]
    assert run.notes("ignored_turn") == ["paused"]


def test_a_long_share_is_answered_at_its_end_before_its_words():
    d = Dialogue(EXERCISES["mirroring"], "Alex", "Sam", BOOK, PARAMS)
    d.start()
    d.on_turn_started(TurnStarted(1, 10.0))
    early = d.on_turn_ended(TurnEnded(1, 10.0, 14.0, 15.0, ((9.7, 14.0),)))
    assert [x.key for x in early if isinstance(x, Say)] == ["prompt_mirror"]
    assert d.on_transcript(TurnTranscribed(1, SHARE, 15.4)) == []
    assert d.step is Step.MIRROR


def test_a_short_turn_waits_for_its_words():
    d = Dialogue(EXERCISES["mirroring"], "Alex", "Sam", BOOK, PARAMS)
    d.start()
    assert d.on_turn_ended(TurnEnded(1, 10.0, 10.8, 11.8, ((9.7, 10.8),))) == []
    later = d.on_transcript(TurnTranscribed(1, "Pause.", 12.0))
    assert [x.key for x in later if isinstance(x, Say)] == ["paused"]


def test_an_answer_the_partner_talks_on_through_is_taken_back_and_asked_again():
    d = Dialogue(EXERCISES["mirroring"], "Alex", "Sam", BOOK, PARAMS)
    d.start()
    d.on_turn_started(TurnStarted(1, 10.0))
    assert [x.key for x in d.on_turn_ended(TurnEnded(1, 10.0, 14.0, 15.5, ((9.7, 14.0),)))
            if isinstance(x, Say)] == ["prompt_mirror"]
    assert d.speaker == "Sam"
    d.on_turn_started(TurnStarted(2, 16.0))  # Alex was not done
    assert d.take_back("Sam") == []  # only the partner whose turn was answered
    assert d.take_back("Alex") == [Note("taken_back", "Alex went on; the coach waits for the rest")]
    assert (d.step, d.speaker, d.pieces) == (Step.SHARE, "Alex", 0)
    assert d.take_back("Alex") == []  # once
    assert d.on_transcript(TurnTranscribed(1, "When you came home late", 16.2)) == []  # answered already
    again = d.on_turn_ended(TurnEnded(2, 16.0, 19.0, 20.5, ((15.7, 19.0),)))
    assert [x.key for x in again if isinstance(x, Say)] == ["prompt_mirror"]
    assert (d.step, d.pieces) == (Step.MIRROR, 1)  # one piece, not two


def test_nothing_is_taken_back_once_the_dialogue_has_moved_on():
    d = Dialogue(EXERCISES["mirroring"], "Alex", "Sam", BOOK, PARAMS)
    d.start()
    d.on_turn_ended(TurnEnded(1, 10.0, 14.0, 15.5, ((9.7, 14.0),)))
    d.on_turn_ended(TurnEnded(2, 17.0, 21.0, 22.5, ((16.7, 21.0),)))  # Sam mirrored
    assert d.step is Step.CHECK
    assert d.take_back("Alex") == []
    assert d.take_back("Sam") != []  # Sam's mirror was the last answer: Sam may still go on
    assert d.step is Step.MIRROR


def test_an_answer_is_not_taken_back_once_a_later_turn_was_heard():
    d = Dialogue(EXERCISES["mirroring"], "Alex", "Sam", BOOK, PARAMS)
    d.start()
    d.on_turn_ended(TurnEnded(1, 10.0, 14.0, 15.5, ((9.7, 14.0),)))
    d.on_transcript(TurnTranscribed(2, "Yes.", 17.0))  # a short turn answered on its words
    assert d.take_back("Alex") == []


def test_only_a_short_plain_answer_or_a_command_is_a_whole_answer():
    r = Run("mirroring")
    assert r.d.step is Step.SHARE
    assert not r.d.complete_answer("I felt alone last night.")
    assert r.d.complete_answer("Pause.")  # a command, at any step
    r.says("I felt alone last night.")
    r.says("Let me see if I got that. You felt alone last night.")
    assert r.d.step is Step.CHECK
    assert r.d.complete_answer("Yes.") and r.d.complete_answer("Partly.")
    assert r.d.complete_answer("Yes, you got all of it.")
    assert not r.d.complete_answer("Well, there isn't that much")  # thinking aloud: may go on
    assert not r.d.complete_answer("Yes, and there is one more thing I want you to hear about it")
    assert not r.d.complete_answer("")


def test_a_mirror_that_ends_with_the_closing_question_is_handed_back():
    """'Did I get it?' ends a mirror as a 'yes' ends an answer: the coach need not hold it like a
    piece. The same question inside a mirror that goes on, or in the sender's piece, does not."""
    r = Run("mirroring")
    assert not r.d.complete_answer("I wonder, did I get it wrong last time? And")
    assert not r.d.complete_answer("I asked myself: did I get it?")  # the sender's piece
    r.says("I felt alone last night.")
    assert r.d.step is Step.MIRROR
    assert r.d.complete_answer("Let me see if I got that. You felt alone last night. Did I get it?")
    assert r.d.complete_answer("So you felt alone. Did I get that right?")
    assert r.d.complete_answer("you felt alone is that right")  # however Whisper punctuates it
    assert not r.d.complete_answer("Did I get it? Because you also said")
    assert not r.d.complete_answer("Let me see if I got that. You felt alone last night.")


def test_who_may_take_the_turn_over_on_their_own():
    """A piece may be taken over by the receiver, a mirror by the sender (its answer); an answer's
    next speaker hangs on its words, and a paused session has none."""
    run = Run("mirroring")
    assert run.d.step is Step.SHARE and run.d.hand_over() == ("Sam", PARAMS.early_cue_speech)
    run.says("When you are late I feel alone.")
    assert run.d.step is Step.MIRROR and run.d.hand_over() == ("Alex", PARAMS.early_cue_speech)
    run.says("Let me see if I got that. When I am late you feel alone.")
    assert run.d.step is Step.CHECK and run.d.hand_over() is None
    run.says("Pause.")
    assert run.d.paused and run.d.hand_over() is None
