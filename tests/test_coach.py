"""The coach's side of the room (speaking/coach.py): cues said as one utterance, no part sooner
than the slow-down allows, handed to the speaker only when stream time reaches them, and logged."""

from __future__ import annotations

import io
import time
from pathlib import Path

import numpy as np
import pytest

from voice_coach.dialogue.phrasebook import load_phrasebook
from voice_coach.dialogue.protocol import Step
from voice_coach.hearing.classifiers import SAMPLE_RATE
from voice_coach.records.session_log import SessionLog, read_events
from voice_coach.speaking.coach import CHAIN_GAP, Begun, Coach, Mouth
from voice_coach.speaking.cue_queue import Utterance
from voice_coach.view import ConsoleView


class ToneVoice:
    """A voice whose every phrase is a tone a tenth of a second per word long."""

    def render(self, text: str) -> np.ndarray:
        n = int(0.1 * len(text.split()) * SAMPLE_RATE)
        return (3000 * np.sin(np.arange(n) / 5)).astype(np.int16)


class SlowVoice(ToneVoice):
    """Takes `secs` to render each phrase: a new one, synthesised on the loop's thread."""

    def __init__(self, secs: float) -> None:
        self.secs = secs

    def render(self, text: str) -> np.ndarray:
        time.sleep(self.secs)
        return super().render(text)


class Recorder:
    def __init__(self) -> None:
        self.played: list[tuple[float, int]] = []

    def play(self, audio: np.ndarray, at: float) -> None:
        self.played.append((at, len(audio)))


def coach(tmp_path: Path) -> tuple[Coach, Recorder, list[Utterance], SessionLog]:
    player, heard = Recorder(), []
    log = SessionLog(tmp_path / "log")
    c = Coach(Mouth(load_phrasebook(), ToneVoice(), player), log, ConsoleView(io.StringIO(), live=False),  # type: ignore[arg-type]
              echo_tail=0.4, on_play=heard.append)
    return c, player, heard, log


def test_chained_cues_are_one_utterance_a_comma_apart_and_wait_for_stream_time(tmp_path: Path):
    c, player, heard, log = coach(tmp_path)
    c.say([("check", "Did she get it?"), ("more", "Is there more?")], 5.0, "check", now=4.0, realtime=False)
    assert player.played == [] and c.queue.until == 5.0 + 0.4 + CHAIN_GAP + 0.3  # queued, not yet played
    c.release(5.0)
    (cue,) = heard
    assert player.played == [(5.0, len(cue.audio))]
    first, second = cue.parts
    assert second.since - first.until == 0 and first.until == 0.4 + CHAIN_GAP  # the gap ends the first part
    events = [e for e in read_events(log.path) if e["type"] == "cue"]
    assert [(e["key"], e["t"]) for e in events] == [("check", 5.0), ("more", round(5.0 + first.until, 3))]
    assert c.queue.is_deaf(5.5, 5.53)  # the microphone is shut while the coach speaks


def test_no_part_sooner_than_the_slow_down_allows_and_nothing_over_what_is_queued(tmp_path: Path):
    c, _player, heard, _log = coach(tmp_path)
    c.say([("prompt_mirror", "Sam, mirror that.")], 2.0, Step.SHARE, now=2.0, realtime=False,
          not_before=lambda key, t: t + 1.5)  # the mirror prompt waits for a breath
    c.say([("feedback", "Well done.")], 2.0, Step.SHARE, now=2.0, realtime=False)  # after it, never over it
    c.release(10.0)
    assert [u.start for u in heard] == [3.5, 3.5 + 0.3]


def test_dropped_cues_are_logged_as_cancelled_and_never_played(tmp_path: Path):
    c, player, heard, log = coach(tmp_path)
    c.say([("prompt_mirror", "Sam, mirror that.")], 1.0, Step.SHARE, now=0.0, realtime=False)
    c.drop_all(0.5, "a partner spoke of danger")
    c.release(10.0)
    assert player.played == [] and heard == []
    cancelled = [e for e in read_events(log.path) if e["type"] == "cue_cancelled"]
    assert [(e["key"], e["reason"]) for e in cancelled] == [("prompt_mirror", "a partner spoke of danger")]


def test_a_begun_first_sentence_is_not_said_again_and_the_rest_follows_it_as_one_utterance(tmp_path: Path):
    player, heard = Recorder(), []
    log = SessionLog(tmp_path / "log")
    text = "Before we begin: I am a guide. Say yes to go on."
    first = int(0.1 * 7 * SAMPLE_RATE)  # the tone of its first sentence, seven words
    begun = Begun(text, first, time.monotonic() - 0.25)  # handed to the speaker 0.25 s ago
    c = Coach(Mouth(load_phrasebook(), ToneVoice(), player, begun), log,  # type: ignore[arg-type]
              ConsoleView(io.StringIO(), live=False), echo_tail=0.4, on_play=heard.append)
    c.say([("safety_note", text)], 0.0, "safety", now=0.0, realtime=True)
    whole = ToneVoice().render(text)
    (cue,) = heard
    assert player.played == [(pytest.approx(cue.start + cue.handed / SAMPLE_RATE), len(whole) - first)]
    played = first - cue.handed  # what had sounded when the loop began: about 0.25 s
    assert 0.24 * SAMPLE_RATE <= played <= 0.5 * SAMPLE_RATE
    assert len(cue.audio) == len(whole) - played  # the utterance is what is left to hear, from now
    assert c.queue.is_deaf(cue.end - 0.05, cue.end) and not c.queue.is_deaf(cue.end + 0.5, cue.end + 0.6)
    events = [e for e in read_events(log.path) if e["type"] == "cue"]
    assert [(e["key"], e["text"], e["t"]) for e in events] == [("safety_note", text, 0.0)]  # logged once, whole
    c.say([("welcome", "Welcome.")], 0.0, "safety", now=20.0, realtime=False)  # later cues as always
    assert player.played[-1][1] == len(heard[-1].audio) == int(0.1 * SAMPLE_RATE)


@pytest.mark.parametrize("realtime", [True, False])
def test_a_phrase_rendered_on_the_loop_s_thread_starts_as_late_as_it_took(tmp_path: Path, realtime: bool):
    """Live, the microphone runs on while a new phrase is synthesised on the loop's thread (the
    line on a round's mirroring is new each time): the cue is placed that much later in stream
    time, so that the microphone is shut while it really sounds, not before, and the log says how
    long it waited. Faster than real time, stream time waits for the voice: no shift (the wait is
    logged all the same)."""
    player, heard = Recorder(), []
    log = SessionLog(tmp_path / "log")
    c = Coach(Mouth(load_phrasebook(), SlowVoice(0.3), player), log,  # type: ignore[arg-type]
              ConsoleView(io.StringIO(), live=False), echo_tail=0.4, on_play=heard.append)
    c.say([("feedback", "You caught every word.")], 10.0, Step.SHARE, now=10.0, realtime=realtime)
    c.release(11.0)
    (cue,) = heard
    (logged,) = [e for e in read_events(log.path) if e["type"] == "cue"]
    if realtime:
        assert 10.3 <= cue.start < 10.6 and cue.render_wait >= 0.3
        assert not c.queue.is_deaf(10.0, 10.25) and c.queue.is_deaf(cue.start, cue.start + 0.03)
        assert logged["t"] == pytest.approx(cue.start, abs=1e-3) and logged["render_wait"] >= 0.3
    else:
        assert cue.start == 10.0 and c.queue.is_deaf(10.0, 10.03) and logged["render_wait"] >= 0.3


def test_a_breath_delayed_phrase_rendered_live_keeps_its_breath_from_the_turn_s_end(tmp_path: Path):
    """The mirror prompt waits for a breath after the piece; rendering it on the loop's thread
    does not add its render time to the breath: when the breath is over, the cue goes where the
    next frame says the loop then is (here, caught up)."""
    player, heard = Recorder(), []
    c = Coach(Mouth(load_phrasebook(), SlowVoice(0.3), player), SessionLog(tmp_path / "log"),  # type: ignore[arg-type]
              ConsoleView(io.StringIO(), live=False), echo_tail=0.4, on_play=heard.append)
    c.say([("feedback", "You caught every word.")], 10.0, Step.SHARE, now=10.0, realtime=True,
          not_before=lambda key, t: t + 1.5)
    assert heard == []  # the breath is not over
    c.release(11.49, 0.0)
    assert heard == []
    c.release(11.52, 0.0)
    (cue,) = heard
    assert cue.start == pytest.approx(11.5) and cue.render_wait >= 0.3
