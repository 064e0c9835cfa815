"""Turn-taking through the real loop (Silero, Smart Turn, Whisper), faster than real time: a
search for words mid-sentence does not end the turn; a finished answer is answered quickly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from test_exercises_spoken import VOICES, line, run

from voice_coach.demo_room import Line
from voice_coach.voice import Voice


def hesitant(who: str, before: str, pause: float, after: str) -> Line:
    voice = Voice(VOICES[who], 150)
    gap = np.zeros(int(pause * 16000), dtype=np.int16)
    return Line(who, f"{before} {after}", np.concatenate([voice.render(before), gap, voice.render(after)]))


def round_with_a_search_for_words(pause: float) -> list[Line]:
    return [
        hesitant("Alex", "When you came home late on Tuesday, I was", pause, "worried and alone."),
        line("Sam", "Let me see if I got that. When I came home late, you were worried and alone."),
        line("Alex", "Yes."),
        line("Alex", "No, that's all."),
    ]


def turn_ends(events: list[dict]) -> list[dict]:
    return [e for e in events if e["type"] == "turn_end"]


def test_a_search_for_words_mid_sentence_does_not_end_the_turn(tmp_path: Path):
    events = run(tmp_path, "mirroring", round_with_a_search_for_words(1.6), end_silence_max=2.8)
    share = turn_ends(events)[0]
    assert share["pieces"] == 1 and share["duration"] > 4.0  # both halves, one turn
    text = next(e["text"] for e in events if e["type"] == "transcript" and e["turn"] == share["turn"])
    words = text.lower().split()  # tiny.en hears the synthetic "worried and alone" loosely
    assert "tuesday," in words and len(words) >= 11, text
    assert [e["key"] for e in events if e["type"] == "cue"][:4] == ["welcome", "sender_starts", "prompt_mirror", "check"]


def test_the_old_plain_second_of_silence_cuts_the_same_pause(tmp_path: Path):
    events = run(tmp_path, "mirroring", round_with_a_search_for_words(1.6), smart_turn=False, end_silence=1.0)
    first = turn_ends(events)[0]
    assert first["duration"] < 3.5  # "... I was": cut in the pause
    assert first["judged"] is None


def test_a_finished_answer_is_answered_after_the_short_wait(tmp_path: Path):
    events = run(tmp_path, "mirroring", round_with_a_search_for_words(0.5))
    quick = [e for e in turn_ends(events) if e["words"] == "no sign" and e["judged"] >= 0.5]
    assert quick, [(e["judged"], e["words"]) for e in turn_ends(events)]
    for e in quick:
        if e["step"] in ("share", "mirror"):  # spoken at length: the quick end waits for a breath
            assert 1.5 - 0.05 <= e["t"] - e["end"] < 1.6
        else:
            assert e["t"] - e["end"] < 1.0  # 0.6 s of silence, or the transcript's arrival
    assert any(e["step"] not in ("share", "mirror") for e in quick)
    for e in turn_ends(events):
        if e["judged"] is not None and e["judged"] < 0.5:
            assert e["t"] - e["end"] >= 2.7  # Smart Turn heard more to come: the long wait
