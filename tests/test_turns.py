import pytest

from voice_coach.events import (
    SpeechStarted,
    SpeechStopped,
    TranscribeRequest,
    TurnEnded,
    TurnStarted,
)
from voice_coach.turns import TurnDetector, TurnParams


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
