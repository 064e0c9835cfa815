import dataclasses

import pytest

from voice_coach.events import (
    SpeechStarted,
    SpeechStopped,
    TranscribeRequest,
    TurnEnded,
    TurnStarted,
)
from voice_coach.hearing.turns import EndOfTurnCheck, TurnDetector, TurnParams, WentOn


def feed(det: TurnDetector, script: list, until: float, step: float = 0.03):
    """script: (t, event) pairs; ticks every `step` up to `until`."""
    out, script = [], sorted(script, key=lambda p: p[0])
    t = 0.0
    while t <= until:
        while script and script[0][0] <= t:
            out += det.on_speech(script.pop(0)[1])
        out += det.tick(t)
        t = round(t + step, 6)
    return out


def test_pause_shorter_than_end_silence_keeps_the_turn():
    det = TurnDetector(TurnParams(end_silence=1.0))
    out = feed(det, [(0.5, SpeechStarted(0.5)), (2.3, SpeechStopped(2.0)),
                     (2.8, SpeechStarted(2.8)), (4.3, SpeechStopped(4.0))], until=6)
    ended = [e for e in out if isinstance(e, TurnEnded)]
    assert len([e for e in out if isinstance(e, TurnStarted)]) == 1
    assert len(ended) == 1 and ended[0].start == 0.5 and ended[0].end == 4.0
    assert abs(ended[0].decided_at - 5.0) < 0.031


def test_end_silence_exactly_reached_ends_the_turn():
    det = TurnDetector(TurnParams(end_silence=1.0))
    out = feed(det, [(0.0, SpeechStarted(0.0)), (1.3, SpeechStopped(1.0))], until=1.99, step=0.5)
    assert not any(isinstance(e, TurnEnded) for e in out)
    out = det.tick(2.0)
    assert isinstance(out[0], TurnEnded)


def test_each_short_pause_requests_a_transcript_of_the_piece_so_far():
    det = TurnDetector(TurnParams(end_silence=1.0, min_piece=8.0, preroll=0.3))
    out = feed(det, [(1.0, SpeechStarted(1.0)), (3.3, SpeechStopped(3.0)),
                     (3.5, SpeechStarted(3.5)), (5.3, SpeechStopped(5.0))], until=7)
    reqs = [e for e in out if isinstance(e, TranscribeRequest)]
    assert [(r.start, r.end) for r in reqs] == [(0.7, 3.0), (0.7, 5.0)]
    ended = [e for e in out if isinstance(e, TurnEnded)][0]
    assert ended.pieces == ((0.7, 5.0),)


def test_long_piece_is_committed_at_a_pause():
    det = TurnDetector(TurnParams(end_silence=1.0, min_piece=8.0, preroll=0.3))
    out = feed(det, [(0.3, SpeechStarted(0.3)), (9.3, SpeechStopped(9.0)),
                     (9.6, SpeechStarted(9.6)), (12.3, SpeechStopped(12.0))], until=14)
    ended = [e for e in out if isinstance(e, TurnEnded)][0]
    assert [x for p in ended.pieces for x in p] == pytest.approx([0.0, 9.0, 9.3, 12.0])


def test_speech_without_pause_is_cut_at_max_piece():
    det = TurnDetector(TurnParams(end_silence=1.0, max_piece=20.0, preroll=0.0))
    out = feed(det, [(0.0, SpeechStarted(0.0)), (50.3, SpeechStopped(50.0))], until=52, step=0.5)
    ended = [e for e in out if isinstance(e, TurnEnded)][0]
    assert ended.pieces == ((0.0, 20.0), (20.0, 40.0), (40.0, 50.0))
    reqs = [(r.start, r.end) for r in out if isinstance(r, TranscribeRequest)]
    assert set(ended.pieces) <= set(reqs)


def test_turns_are_numbered():
    det = TurnDetector(TurnParams(end_silence=0.5))
    out = feed(det, [(0.0, SpeechStarted(0.0)), (1.3, SpeechStopped(1.0)),
                     (3.0, SpeechStarted(3.0)), (4.3, SpeechStopped(4.0))], until=6)
    assert [e.turn for e in out if isinstance(e, TurnEnded)] == [1, 2]


# --- the end-of-turn judgement: Smart Turn's probability and the partial transcript's words

JUDGED = TurnParams(end_silence=1.0, end_silence_min=0.6, end_silence_max=2.8, complete_above=0.7,
                    unfinished_below=0.3, judge_tail=0.2, preroll=0.3)


def pause_after_speech(params: TurnParams = JUDGED):
    """A turn 1.0-3.0 s, then silence; returns the detector and the events of the pause."""
    det = TurnDetector(params)
    det.on_speech(SpeechStarted(1.0))
    return det, det.on_speech(SpeechStopped(3.0))


def ended_at(det: TurnDetector, until: float = 8.0, step: float = 0.03):
    t = 3.3
    while t <= until:
        out = [e for e in det.tick(t) if isinstance(e, TurnEnded)]
        if out:
            return round(out[0].decided_at - out[0].end, 2)
        t = round(t + step, 6)
    return None


def test_each_short_pause_asks_for_a_judgement_of_the_turn_so_far():
    _, out = pause_after_speech()
    check = [e for e in out if isinstance(e, EndOfTurnCheck)]
    assert check == [EndOfTurnCheck(turn=1, start=0.7, end=3.2, speech_end=3.0)]


def test_the_judgement_hears_at_most_the_last_eight_seconds():
    det = TurnDetector(JUDGED)
    det.on_speech(SpeechStarted(1.0))
    check = [e for e in det.on_speech(SpeechStopped(20.0)) if isinstance(e, EndOfTurnCheck)][0]
    assert (check.start, check.end) == pytest.approx((12.0, 20.2))


def test_without_answers_the_plain_end_silence_ends_the_turn():
    det, _ = pause_after_speech()
    assert ended_at(det) == pytest.approx(1.0, abs=0.031)


def test_complete_by_model_and_words_ends_after_the_short_wait():
    det, _ = pause_after_speech()
    det.on_judgement(1, 3.0, 0.95)
    det.on_words(1, 3.0, "I felt alone last night.")
    assert ended_at(det) == pytest.approx(0.6, abs=0.031)


def test_complete_by_the_model_waits_for_the_words():
    det, _ = pause_after_speech()
    det.on_judgement(1, 3.0, 0.95)
    for t in (3.3, 3.6, 3.9):  # 0.9 s of silence: past the short wait, the words not back yet
        assert det.tick(t) == []
    det.on_words(1, 3.0, "I felt alone last night.")
    out = det.tick(3.93)
    assert isinstance(out[0], TurnEnded) and out[0].decided_at == 3.93


def test_words_that_lead_on_outlast_a_long_search_for_words():
    det, _ = pause_after_speech()
    det.on_judgement(1, 3.0, 0.95)
    det.on_words(1, 3.0, "I felt alone because")
    assert ended_at(det) == pytest.approx(2.8, abs=0.031)


def test_one_word_that_is_not_the_asked_answer_waits_like_an_unsure_pause():
    for asked, wait in ((True, 1.0), (False, 0.6)):  # "is there more?" - "Hmm." - (thinking)
        det, _ = pause_after_speech()
        det.on_judgement(1, 3.0, 0.95)
        det.on_words(1, 3.0, "Hmm.", answer=False, asked=asked)
        assert ended_at(det) == pytest.approx(wait, abs=0.031)


def test_unfinished_by_the_model_waits_longest():
    det, _ = pause_after_speech()
    det.on_judgement(1, 3.0, 0.05)
    assert det.silence_needed() == 2.8
    assert ended_at(det) == pytest.approx(2.8, abs=0.031)


def test_a_partner_who_goes_on_keeps_the_turn_and_gets_a_fresh_judgement():
    det, _ = pause_after_speech()
    det.on_judgement(1, 3.0, 0.95)
    det.on_words(1, 3.0, "I felt alone.")
    assert det.tick(3.4) == []
    # the partner going on after a pause is worth learning from (patience.py)
    assert det.on_speech(SpeechStarted(3.5)) == [WentOn(1, 3.5, pytest.approx(0.5), finished=True)]
    assert det.silence_needed() is None
    out = det.on_speech(SpeechStopped(5.0))
    assert [type(e) for e in out] == [TranscribeRequest, EndOfTurnCheck]
    assert det.silence_needed() == 1.0  # the earlier "complete" does not carry over


def test_every_pause_gone_on_from_is_reported_whatever_it_sounded_like():
    for probability, text in ((0.05, "I felt alone."), (0.95, "I felt alone because"), (None, None)):
        det, _ = pause_after_speech()
        if probability is not None:
            det.on_judgement(1, 3.0, probability)
        if text is not None:
            det.on_words(1, 3.0, text)
        assert det.on_speech(SpeechStarted(4.2)) == [WentOn(1, 4.2, pytest.approx(1.2))]
        assert det.on_speech(SpeechStarted(4.3)) == []  # already speaking: no pause


def test_answers_about_an_earlier_pause_are_ignored():
    det, _ = pause_after_speech()
    det.on_speech(SpeechStarted(3.5))
    det.on_speech(SpeechStopped(5.0))
    assert not det.awaiting(1, 3.0) and det.awaiting(1, 5.0)
    det.on_judgement(1, 3.0, 0.99)  # late answers for the pause the partner ended
    det.on_words(1, 3.0, "I felt alone.")
    det.on_judgement(2, 5.0, 0.99)  # and for a turn that is not this one
    assert det.silence_needed() == 1.0


def test_a_transcript_of_a_piece_cut_while_speaking_is_not_a_pause():
    det = TurnDetector(JUDGED)
    det.on_speech(SpeechStarted(0.0))
    reqs = [e for e in det.tick(20.0) if isinstance(e, TranscribeRequest)]
    assert reqs == [TranscribeRequest(1, 0.0, 20.0)]
    assert not det.awaiting(1, 20.0)


def test_a_judged_pause_needs_its_words_and_an_unjudged_one_does_not():
    det, _ = pause_after_speech()
    assert not det.needs_words()  # no judgement yet: the words alone cannot shorten the wait
    det.on_judgement(1, 3.0, 0.95)
    assert det.needs_words()
    det.on_words(1, 3.0, "I felt alone.")
    assert not det.needs_words()
    det2, _ = pause_after_speech()
    det2.on_judgement(1, 3.0, 0.05)
    assert det2.needs_words()  # unfinished to the model, but a whole answer ("Yes.") still ends it soon


def test_settings_carry_the_turn_taking_numbers():
    from voice_coach.settings import Settings

    s = Settings(end_silence=2.0, end_silence_min=0.5, end_silence_max=3.0, complete_above=0.6,
                 unfinished_below=0.2, smart_turn=False, short_pause=0.15)
    p = s.turn_params()
    assert (p.end_silence, p.end_silence_min, p.end_silence_max) == (2.0, 0.5, 3.0)
    assert (p.complete_above, p.unfinished_below, p.use_words, p.judge_tail) == (0.6, 0.2, False, 0.15)


def test_a_hold_delays_a_finished_thought_to_the_breath_but_not_past_an_unsure_one():
    unsure_waits_long = dataclasses.replace(JUDGED, end_silence=2.8)
    for hold, params, ends in ((1.5, unsure_waits_long, 1.5), (5.0, unsure_waits_long, 2.8),
                               (5.0, JUDGED, 1.0), (0.0, unsure_waits_long, 0.6)):
        det, _ = pause_after_speech(params)
        det.hold(hold)
        det.on_judgement(1, 3.0, 0.95)
        det.on_words(1, 3.0, "I felt alone last night.")
        assert ended_at(det) == pytest.approx(ends, abs=0.031), (hold, params.end_silence)


def test_a_hold_leaves_an_unfinished_thought_its_long_wait():
    det, _ = pause_after_speech()
    det.hold(1.5)
    det.on_judgement(1, 3.0, 0.95)
    det.on_words(1, 3.0, "I felt alone and")
    assert ended_at(det) == pytest.approx(2.8, abs=0.031)


@pytest.mark.parametrize("text, answer, ends", [
    ("Yes.", True, 0.6),  # the protocol calls it a whole answer: the quick end, whatever the hold
    ("Yes.", False, 2.3),  # the same words, not called an answer: held
    ("Yes, and", True, 2.8),  # an answer that leads on is not whole
])
def test_only_a_whole_answer_keeps_the_quick_end_under_a_hold(text: str, answer: bool, ends: float):
    det, _ = pause_after_speech(dataclasses.replace(JUDGED, end_silence=2.8))
    det.hold(2.3)
    det.on_judgement(1, 3.0, 0.95)
    det.on_words(1, 3.0, text, answer=answer)
    assert ended_at(det) == pytest.approx(ends, abs=0.031)


@pytest.mark.parametrize("probability", [0.05, 0.6, 0.95])
def test_a_step_can_set_its_own_end_after_a_whole_answer(probability: float):
    """The hello step: a sentence of hello is all it asks for, answered after 1 s whatever Smart
    Turn says; the next turn gets the usual quick end back."""
    det, _ = pause_after_speech(dataclasses.replace(JUDGED, end_silence=2.8))
    det.hold(2.0, answer=1.0)
    det.on_judgement(1, 3.0, probability)
    det.on_words(1, 3.0, "Hi, I'm Alex. I had a long day at work.", answer=True)
    assert ended_at(det) == pytest.approx(1.0, abs=0.031)
    det, _ = pause_after_speech(dataclasses.replace(JUDGED, end_silence=2.8))
    det.hold(2.0)
    det.on_judgement(1, 3.0, probability)
    det.on_words(1, 3.0, "Yes.", answer=True)
    assert ended_at(det) == pytest.approx(0.6, abs=0.031)


def test_a_hold_can_also_shorten_the_wait_after_an_unsure_or_unfinished_thought():
    for probability, text in ((0.05, None), (0.95, "I felt alone and")):
        det, _ = pause_after_speech(dataclasses.replace(JUDGED, end_silence=2.8))
        det.hold(1.2, others=1.8)
        det.on_judgement(1, 3.0, probability)
        if text:
            det.on_words(1, 3.0, text)
        assert ended_at(det) == pytest.approx(1.8, abs=0.031)
    det, _ = pause_after_speech(dataclasses.replace(JUDGED, end_silence=2.8))
    det.hold(2.0, others=1.0)  # never sooner than a finished-sounding thought
    det.on_judgement(1, 3.0, 0.05)
    assert ended_at(det) == pytest.approx(2.0, abs=0.031)


def _after_a_finished_pause(det: TurnDetector, probability: float, gap: float) -> list:
    """A turn 1-4 s, judged `probability` and words that end like a sentence; another voice from
    4 s + `gap` to 7 s, stopped at a breath (its voice is told then)."""
    out = det.on_speech(SpeechStarted(1.0)) + det.on_speech(SpeechStopped(4.0))
    det.on_judgement(1, 4.0, probability)
    det.on_words(1, 4.0, "I miss you when you work late.")
    out += det.on_speech(SpeechStarted(4.0 + gap)) + det.on_speech(SpeechStopped(7.0))
    return out


def test_the_other_partner_beginning_after_a_finished_pause_takes_the_turn():
    det = TurnDetector(TurnParams(preroll=0.3))
    det.hold(2.0)  # the sender's learnt hold: longer than the pause
    _after_a_finished_pause(det, 0.9, 1.0)
    out = det.hand_over(5.0, now=7.2, min_turn=1.5)
    ended = [e for e in out if isinstance(e, TurnEnded)]
    assert len(ended) == 1 and (ended[0].turn, ended[0].start, ended[0].end, ended[0].decided_at) == (1, 1.0, 4.0, 7.2)
    assert ended[0].pieces == ((0.7, 4.0),) and ended[0].words == "no sign"
    assert [e for e in out if isinstance(e, TurnStarted)] == [TurnStarted(2, 5.0)]
    reqs = [(r.turn, r.start, r.end) for r in out if isinstance(r, TranscribeRequest)]
    assert reqs == [(1, 0.7, 4.0), (2, 4.7, 7.0)]  # the first turn's piece again, cut at its end
    assert [c.turn for c in out if isinstance(c, EndOfTurnCheck)] == [2]
    assert det.in_turn and det.awaiting(2, 7.0)
    later = feed(det, [], until=12)  # the new turn goes on and ends as any other
    assert [(e.turn, e.start, e.end) for e in later if isinstance(e, TurnEnded)] == [(2, 5.0, 7.0)]


@pytest.mark.parametrize("probability, gap, min_turn", [
    (0.3, 1.0, 0.0),  # the pause did not sound finished: a cut-in
    (0.9, 0.4, 0.0),  # shorter than the quick end's silence: a cut-in
    (0.9, 1.0, 5.0),  # a turn too short to be answered as it ends
])
def test_the_other_partner_inside_a_thought_is_no_hand_over(probability, gap, min_turn):
    det = TurnDetector(TurnParams())
    _after_a_finished_pause(det, probability, gap)
    assert det.hand_over(4.0 + gap, now=7.2, min_turn=min_turn) == []
    assert det.in_turn and det.awaiting(1, 7.0)  # still the first turn


def test_a_hand_over_after_a_long_piece_asks_for_nothing_again():
    """The piece before the pause was long enough to be committed when the other voice began: it
    was transcribed whole already, and is the ended turn's last piece as it is."""
    det = TurnDetector(TurnParams(preroll=0.3, min_piece=8.0))
    det.on_speech(SpeechStarted(1.0))
    det.on_speech(SpeechStopped(10.0))
    det.on_judgement(1, 10.0, 0.9)
    det.on_words(1, 10.0, "And that is why I feel alone.")
    det.on_speech(SpeechStarted(11.0))
    det.on_speech(SpeechStopped(13.0))
    out = det.hand_over(11.0, now=13.2)
    (ended,) = [e for e in out if isinstance(e, TurnEnded)]
    assert ended.pieces == ((0.7, 10.0),) and ended.end == 10.0
    assert [(r.turn, r.start, r.end) for r in out if isinstance(r, TranscribeRequest)] == [(2, 10.7, 13.0)]
