"""The coach's queue, driven by plain utterances in stream time (speaking/cue_queue.py)."""

import numpy as np
import pytest

from voice_coach.dialogue.protocol import Step
from voice_coach.speaking.cue_queue import CueQueue, Part, Utterance


def said(start, secs, *keys):
    n = len(keys)
    parts = tuple(Part(k, k, i * secs / n, (i + 1) * secs / n) for i, k in enumerate(keys))
    return Utterance(start, start + secs, parts, np.zeros(int(secs * 16000), dtype=np.int16), Step.SHARE)


def test_an_utterance_goes_when_its_time_comes_and_one_right_after_it_goes_with_it():
    q = CueQueue(echo_tail=0.4)
    q.add(said(5.0, 2.0, "check"))
    q.add(said(7.0, 1.0, "more"))  # back to back: handed over together, no device latency between
    q.add(said(9.0, 1.0, "later"))
    assert q.due(4.9) == []
    assert [u.parts[0].key for u in q.due(5.0)] == ["check", "more"]
    assert q.until == 10.0
    assert [u.parts[0].key for u in q.due(9.0)] == ["later"]


def test_the_microphone_is_shut_while_the_coach_speaks_and_its_echo_lasts():
    q = CueQueue(echo_tail=0.4)
    q.add(said(5.0, 2.0, "check"))
    q.due(5.0)
    assert not q.is_deaf(4.0, 4.03)
    assert q.is_deaf(6.0, 6.03) and q.is_deaf(7.3, 7.33)
    assert not q.is_deaf(7.4, 7.43)


def test_each_cue_of_an_utterance_is_finished_at_its_own_end():
    q = CueQueue(echo_tail=0.4)
    q.add(said(0.0, 4.0, "thanks", "switch"))
    q.due(0.0)
    assert q.finished(1.9) == []
    assert q.finished(2.0) == [(2.0, "thanks")]
    assert q.finished(10.0) == [(4.0, "switch")]


def test_a_held_prompt_the_receiver_began_before_is_dropped_and_what_follows_moves_up():
    q = CueQueue(echo_tail=0.4)
    q.add(said(8.0, 2.0, "prompt_mirror"))
    q.add(said(10.0, 1.0, "reminder"))
    assert q.drop_held_prompt(8.5, "prompt_mirror") is None  # already begun: it stays
    assert q.drop_held_prompt(7.0, "check") is None  # not the cue asked for
    assert q.drop_held_prompt(7.0, "prompt_mirror") is not None
    (moved,) = q.due(8.0)
    assert (moved.start, moved.end, q.until) == (8.0, 9.0, 9.0)


def test_dropping_all_keeps_what_is_playing():
    q = CueQueue(echo_tail=0.4)
    q.add(said(0.0, 3.0, "welcome"))
    q.due(0.0)
    q.add(said(3.0, 2.0, "sender_starts"))
    q.add(said(6.0, 2.0, "later"))
    assert [u.parts[0].key for u in q.drop_all(1.0)] == ["sender_starts", "later"]
    assert q.until == 3.0 and q.due(100.0) == []


def test_a_loop_running_behind_the_microphone_places_what_it_hands_over_where_it_is_heard():
    """0.8 s behind (a busy computer): the cue sounds when the microphone's stream reaches 5.8 s,
    so the microphone is shut from then to its end and echo, not from 5.0 s; one chained to it
    moves with it, and a file (nothing behind) is placed as queued."""
    q = CueQueue(echo_tail=0.4)
    q.add(said(5.0, 2.0, "check"))
    q.add(said(7.0, 1.0, "more"))
    check, more = q.due(5.0, behind=0.8)
    assert (check.start, check.end, more.start, more.end) == pytest.approx((5.8, 7.8, 7.8, 8.8))
    assert q.until == pytest.approx(8.8)
    assert not q.is_deaf(5.0, 5.03)
    assert q.is_deaf(9.1, 9.13) and not q.is_deaf(9.25, 9.28)
    assert q.finished(8.0) == [(pytest.approx(7.8), "check")]
    q.add(said(10.0, 1.0, "later"))
    (later,) = q.due(10.0)
    assert (later.start, later.end) == (10.0, 11.0)
