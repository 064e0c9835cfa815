"""Turn-taking through the real loop (Silero, Smart Turn, Whisper), faster than real time: a
search for words mid-sentence does not end the turn; a finished answer is answered quickly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from test_exercises_spoken import VOICES, line, run

from voice_coach.demo_room import Line
from voice_coach.settings import Settings
from voice_coach.speaking.voice import Voice


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


def test_a_whole_answer_is_answered_after_the_short_wait_and_anything_else_is_held(tmp_path: Path):
    events = run(tmp_path, "mirroring", round_with_a_search_for_words(0.5))
    judged = [e for e in turn_ends(events) if e["judged"] is not None]
    quick = [e for e in judged if e["words"] == "answer" and e["judged"] >= 0.5]
    assert quick, [(e["judged"], e["words"]) for e in judged]
    for e in quick:  # "Yes.", "No, that's all.": all the question asked for
        assert e["t"] - e["end"] < 1.0  # 0.6 s of silence, or the transcript's arrival
    s = Settings()
    held = [e for e in judged if e["words"] != "answer"]  # a piece, a mirror: not all that was asked
    assert held, [(e["judged"], e["words"]) for e in judged]
    for e in held:
        waited = e["t"] - e["end"]
        assert waited >= s.min_breath - 0.05, (e["judged"], e["words"], waited)
        if e["judged"] < s.unfinished_below:
            assert waited >= s.end_silence_max - 0.1  # Smart Turn heard more to come: the long wait


def test_an_answer_that_thinks_aloud_is_not_cut_in_its_pause(tmp_path: Path):
    """ "Is there more?" - "Hmm." (1.8 s) "No, that's all.": the coach waits through the pause."""
    lines = round_with_a_search_for_words(0.5)
    lines[-1] = hesitant("Alex", "Hmm.", 1.8, "No, that's all.")
    events = run(tmp_path, "mirroring", lines)
    answer = [e for e in turn_ends(events) if e["step"] == "more"]
    assert len(answer) == 1 and answer[0]["duration"] > 2.5, turn_ends(events)  # both halves, one turn
    more = next(e for e in events if e["type"] == "cue" and e["key"] == "more")
    after = [e["key"] for e in events if e["type"] == "cue" and e["t"] > more["t"]]
    assert after[:1] == ["switch"] and answer[0]["end"] < next(
        e["t"] for e in events if e["type"] == "cue" and e["key"] == "switch")


def test_a_mirror_that_ends_with_the_closing_question_is_answered_as_quickly_as_a_yes(tmp_path: Path):
    """ "... Did I get it?" hands the turn back: no hold for a thought that might go on."""
    lines = [
        line("Alex", "When you came home late on Tuesday, I was worried and alone."),
        line("Sam", "Let me see if I got that. You were worried and alone. Did I get it?"),
        line("Alex", "Yes."),
        line("Alex", "No, that's all."),
    ]
    events = run(tmp_path, "mirroring", lines)
    mirror = next(e for e in turn_ends(events) if e["step"] == "mirror")
    assert mirror["words"] == "answer", mirror
    assert mirror["t"] - mirror["end"] < 1.0  # 0.6 s of silence, or the transcript's arrival
    assert [e["key"] for e in events if e["type"] == "cue"][:4] == ["welcome", "sender_starts", "prompt_mirror", "check"]
