"""Who spoke, from plain events and vectors: a turn's voice at a breath, an answer taken back,
a talk-over named, a pause learnt only as the partner's own; and the holds learnt from pauses."""

from __future__ import annotations

import numpy as np
import pytest

from voice_coach.events import SpeechStarted, SpeechStopped
from voice_coach.hearing.audio_history import AudioHistory, speech_level_db
from voice_coach.hearing.audio_source import FRAME_SECS, Frame
from voice_coach.hearing.patience import Holds, Patience, PatienceParams, Pause
from voice_coach.hearing.turns import WentOn
from voice_coach.hearing.who_spoke import (
    OVER_COACH_GIVE_UP,
    OVER_COACH_WAIT,
    Stretch,
    TakeBack,
    TalkOverName,
    WhoSpoke,
)
from voice_coach.hearing.whose_voice import VoiceParams

ALEX, SAM = np.array([1.0, 0.0]), np.array([0.0, 1.0])


class Voices:
    """A voice encoder that knows who spoke by the sample values: 1 is Alex, 2 is Sam."""

    def embed(self, pcm: np.ndarray) -> np.ndarray:
        return ALEX if int(np.median(pcm)) == 1 else SAM


def history(*spans: tuple[float, float, int]) -> AudioHistory:
    h = AudioHistory()
    for i in range(int(max(end for _, end, _ in spans) / FRAME_SECS) + 1):
        t = i * FRAME_SECS
        value = next((v for start, end, v in spans if start <= t < end), 0)
        h.append(Frame(t, np.full(480, value, dtype=np.int16)))
    return h


def stretch(who: WhoSpoke, start: float, stop: float) -> Stretch:
    assert who.on_speech(SpeechStarted(start)) is None
    told = who.on_speech(SpeechStopped(stop))
    assert told is not None
    return told


def test_a_stretch_s_voice_is_told_and_taught_when_long_enough():
    who = WhoSpoke(("Alex", "Sam"), VoiceParams(), Voices(), history((0.0, 4.0, 1), (4.0, 9.0, 2)))
    who.turn_started(1, "Alex")
    first = stretch(who, 0.0, 3.9)
    assert (first.turn, first.expected, first.heard, first.sure) == (1, "Alex", "Alex", False)
    who.turn_started(2, "Sam")
    assert stretch(who, 4.0, 4.5).heard is None  # half a second says too little
    assert stretch(who, 4.0, 8.9).heard == "Sam"
    who.turn_started(3, "Alex")
    cut_in = stretch(who, 4.0, 8.9)  # Sam's voice again, in a turn given to Alex
    assert (cut_in.turn, cut_in.expected, cut_in.heard, cut_in.sure) == (3, "Alex", "Sam", True)
    assert who.speaker(3) == "Alex" and who.forget(3) == "Alex" and who.speaker(3) is None


def test_without_an_encoder_no_voice_is_told():
    who = WhoSpoke(("Alex", "Sam"), VoiceParams(), None, history((0.0, 4.0, 2)))
    who.turn_started(1, "Alex")
    assert stretch(who, 0.0, 3.9).heard is None


def told(turn: int, heard: str, expected: str = "Sam", sure: bool = True, start: float = 12.0) -> Stretch:
    return Stretch(turn, start, start + 2.0, expected, heard, sure)


def test_the_answered_partner_going_on_first_takes_the_answer_back():
    back = TakeBack()
    back.answered(3, 10.0)
    going = back.going_on(told(4, "Alex"), None)
    assert going is not None and going.who == "Alex" and going.at == 12.0
    assert going.pause == Pause("Alex", 2.0, 12.0)
    assert back.going_on(told(4, "Alex"), None) is None  # the turn's first voice only


def test_over_the_cue_the_take_back_dates_from_the_talk_over_even_against_an_unknown_voice():
    back = TakeBack()
    back.answered(3, 10.0)
    going = back.going_on(told(4, "Alex", sure=False), over_coach=10.6)
    assert going is not None and going.at == 10.6 and going.pause.secs == pytest.approx(0.6)


@pytest.mark.parametrize("answered,stretch_", [
    (None, told(4, "Alex")),  # the coach did not answer the turn that ended
    (3, told(5, "Alex")),  # not the turn after the answer
    (3, told(4, "Sam")),  # the partner expected: the answer stands
    (3, told(4, "Alex", sure=False)),  # told against a voice not known yet: likely misheard
])
def test_no_take_back(answered: int | None, stretch_: Stretch):
    back = TakeBack()
    back.answered(answered, 10.0)
    assert back.going_on(stretch_, None) is None


def test_a_stretch_too_short_to_tell_leaves_the_answer_to_the_next():
    back = TakeBack()
    back.answered(3, 10.0)
    assert back.going_on(Stretch(4, 12.0, 12.4, "Sam", None, True), None) is None
    assert back.going_on(told(4, "Alex"), None) is not None


def test_a_talk_over_is_named_by_whoever_starts_as_the_microphone_opens():
    names = TalkOverName()
    assert names.heard(5.0, 8.0) is None and names.at == 5.0
    assert names.on_speech(SpeechStarted(8.0 + OVER_COACH_WAIT), 8.4) is None  # they went on
    assert names.on_speech(None, 60.0) is None  # and are waited for, however long, until a breath
    assert names.name() == 5.0 and names.at is None and names.name() is None


def test_a_talk_over_nobody_went_on_after_is_told_unnamed():
    names = TalkOverName()
    names.heard(5.0, 8.0)
    assert names.on_speech(SpeechStarted(8.0 + OVER_COACH_WAIT + 0.1), 8.5) is None  # an answer
    assert names.on_speech(None, 8.0 + OVER_COACH_WAIT + OVER_COACH_GIVE_UP - 0.03) is None
    assert names.on_speech(None, 8.0 + OVER_COACH_WAIT + OVER_COACH_GIVE_UP) == 5.0
    assert names.at is None


def test_a_second_talk_over_tells_the_first_unnamed():
    names = TalkOverName()
    names.heard(5.0, 8.0)
    assert names.heard(9.0, 11.0) == 5.0 and names.at == 9.0


def test_a_pause_is_learnt_as_the_partner_s_own_unless_the_other_spoke_after_it():
    who = WhoSpoke(("Alex", "Sam"), VoiceParams(), None, AudioHistory())
    who.turn_started(2, "Alex")
    who.went_on(WentOn(2, 7.0, 1.8, finished=True))
    assert who.pause_before("Sam") is None  # Sam started in Alex's pause
    assert who.pause_before(None) is None  # nothing waiting any more
    who.went_on(WentOn(2, 9.0, 1.2))
    assert who.pause_before(None) == Pause("Alex", 1.2, 9.0, finished=False)  # an "mm": Alex's
    who.went_on(WentOn(2, 11.0, 0.9))
    who.taken_back("Sam")  # the turn is Sam's after all
    assert who.pause_before("Sam") == Pause("Sam", 0.9, 11.0, finished=False)


def test_holds_are_learnt_from_pauses_and_none_where_the_coach_will_not_answer():
    holds = Holds(Patience(PatienceParams(first=2.0, margin=0.8, cap=2.8)), base=1.5, longest=2.8)
    assert holds.waits("Alex", answered=False) == (0.0, None)
    assert holds.waits("Alex", answered=True) == (2.0, 2.8)
    assert holds.learn(Pause("Alex", 1.9, 5.0)) == pytest.approx(2.7)  # a new hold, for the log
    assert holds.learn(Pause("Alex", 1.88, 6.0)) is None  # the same hold: nothing to log
    assert holds.waits("Alex", answered=True)[0] == pytest.approx(2.7)


def test_a_stretch_handed_over_is_judged_with_the_turn_it_began():
    """Sam began on their own after Alex's piece (TurnDetector.hand_over): Sam's stretch leaves
    Alex's turn, whose voice is then Alex's alone, and goes with the turn it began."""
    from voice_coach.hearing.partner_voices import PartnerVoices

    couple = PartnerVoices(("Alex", "Sam"))
    for name, vector in (("Alex", ALEX), ("Sam", SAM)):  # as loud as the test's samples
        couple.enrol(name, vector, speech_level_db(np.full(480, 1, dtype=np.int16)), 3.0)
    who = WhoSpoke(("Alex", "Sam"), VoiceParams(), Voices(), history((0.0, 4.0, 1), (5.0, 7.0, 2)), couple)
    who.turn_started(1, "Alex")
    stretch(who, 0.0, 3.9)
    assert stretch(who, 5.0, 6.9).heard == "Sam"
    who.handed_over()
    who.turn_started(2, "Sam")
    alex, sam = who.verdict(1, 0.0, 3.9), who.verdict(2, 5.0, 6.9)
    assert (alex.who, sam.who) == ("Alex", "Sam") and alex.apart > 0.9 and sam.apart > 0.9
