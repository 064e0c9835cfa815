"""Learning each partner's pauses, from plain numbers."""

import pytest

from voice_coach.hearing.patience import Patience, PatienceParams

P = PatienceParams(first=2.3, margin=0.5, cap=2.8, memory=4)


def test_a_partner_not_yet_heard_pausing_gets_the_careful_first_hold():
    p = Patience(P)
    assert p.hold("Alex", 1.5) == 2.3
    assert p.hold(None, 1.5) == 2.3
    assert p.hold("Alex", 2.6) == 2.6  # never shorter than what the step asks for


def test_the_hold_outlasts_the_longest_recent_pause_of_that_partner_only():
    p = Patience(P)
    p.went_on("Alex", 0.4)
    assert p.hold("Alex", 1.5) == 1.5  # a brisk partner: the usual hold already outlasts it
    p.went_on("Alex", 1.7)
    assert p.hold("Alex", 1.5) == pytest.approx(2.2)
    assert p.hold("Sam", 1.5) == 2.3  # Sam is still unknown
    p.went_on("Alex", 2.6)
    assert p.hold("Alex", 1.5) == 2.8  # never longer than an unfinished thought waits


def test_pauses_no_hold_could_outlast_teach_nothing():
    p = Patience(P)
    p.went_on("Alex", 4.0)
    p.went_on("Alex", 0.0)
    p.went_on(None, 2.0)
    assert p.hold("Alex", 1.5) == 2.3  # still not heard pausing


def test_old_long_pauses_are_forgotten_after_a_few_short_ones():
    p = Patience(PatienceParams(margin=0.5, memory=3))
    p.went_on("Sam", 2.0)
    assert p.hold("Sam", 1.5) == pytest.approx(2.5)
    for _ in range(3):
        p.went_on("Sam", 0.6)
    assert p.hold("Sam", 1.5) == 1.5


def test_without_memory_nothing_is_learnt_and_nothing_is_assumed():
    p = Patience(PatienceParams(memory=0))
    assert p.hold("Alex", 1.5) == 1.5
    p.went_on("Alex", 2.0)
    assert p.hold("Alex", 1.5) == 1.5


def test_a_partner_heard_pausing_briefly_is_not_kept_waiting_after_an_unsure_thought():
    p = Patience(PatienceParams(first=2.0, margin=0.5, cap=2.8, memory=4, unsure_margin=1.0))
    assert p.waits("Alex", 1.0, 2.8) == (2.0, 2.8)  # not yet heard pausing: the longest wait
    p.went_on("Alex", 0.6)
    assert p.waits("Alex", 1.0, 2.8) == pytest.approx((1.1, 1.6))
    p.went_on("Alex", 2.5)
    assert p.waits("Alex", 1.0, 2.8) == pytest.approx((2.8, 2.8))  # never past the longest wait
    assert p.waits("Sam", 1.0, 2.8) == (2.0, 2.8)


def test_without_an_unsure_margin_only_finished_thoughts_learn():
    p = Patience(PatienceParams(first=2.0, margin=0.5, cap=2.8, memory=4, unsure_margin=None))
    p.went_on("Alex", 0.6)
    assert p.waits("Alex", 1.0, 2.8) == pytest.approx((1.1, 2.8))
