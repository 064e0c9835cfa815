"""When it gets heated, a time-out: signs of heat measured against each partner's own level and
pace (heat.py), the break and its check-in (Dialogue.on_heated), and a spoken heated stretch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from test_exercises_spoken import VOICES, run
from test_protocol import BOOK, PARAMS

from voice_coach.coaching.heat import BLAME, FAST, LOUD, OVERLAP, Heat, speech_level_db
from voice_coach.demo_room import Line
from voice_coach.dialogue.exercises import EXERCISES
from voice_coach.dialogue.protocol import Dialogue, ProtocolParams, Say
from voice_coach.events import CueFinished, Note, Tick, TurnEnded, TurnStarted
from voice_coach.speaking.voice import Voice

CALM = "I feel tired when the evenings are busy and we hardly talk"  # 11 words


def _learnt(heat: Heat, who: str = "Alex", t: float = 0.0) -> float:
    for i in range(3):  # 11 words in 4 s: 165 words a minute, at -30 dBFS
        assert heat.turn(t + 10 * i, who, 4.0, -30.0 + 0.5 * i, CALM) == []
    return t + 30


def test_signs_are_measured_against_the_partner_s_own_level_and_pace():
    heat = Heat()
    t = _learnt(heat)
    assert heat.turn(t, "Alex", 4.0, -27.0, CALM) == []  # a little louder: ordinary
    assert [s.kind for s in heat.turn(t + 5, "Alex", 4.0, -20.0, CALM)] == [LOUD]
    assert heat.turn(t + 8, "Alex", 3.0, -30.0, CALM) == []  # 220 words a minute: brisk, not racing
    assert [s.kind for s in heat.turn(t + 10, "Alex", 2.5, -30.0, CALM)] == [FAST]  # 264
    assert [s.kind for s in heat.turn(t + 15, "Alex", 4.0, -30.0, "You never listen to me.")] == [BLAME]
    assert heat.turn(t + 20, "Sam", 4.0, -15.0, CALM) == []  # Sam's own level is not known yet
    assert heat.turn(t + 25, "Alex", 1.0, -10.0, "Yes.") == []  # too short to judge


def test_a_break_is_due_for_several_signs_of_more_than_one_kind_and_then_not_for_a_while():
    heat = Heat()
    t = _learnt(heat)
    for i in range(3):  # three frustrations told with "you never": one kind, no break
        heat.turn(t + i, "Alex", 4.0, -30.0, "You never ask about my day.")
        assert heat.break_due(t + i) is None
    t += 200  # those are forgotten (2 minutes)
    heat.turn(t, "Alex", 4.0, -20.0, "You never listen to me.")
    assert heat.break_due(t) is None  # louder + blame: two signs
    heat.overlap(t + 2)
    due = heat.break_due(t + 2)
    assert due is not None and {s.kind for s in due} == {LOUD, BLAME, OVERLAP}
    for k in range(4):
        heat.overlap(t + 10 + k)
    heat.turn(t + 20, "Alex", 4.0, -20.0, "Whatever.")
    assert heat.break_due(t + 20) is None  # not again within five minutes
    heat.turn(t + 330, "Alex", 4.0, -20.0, "You always do this.")
    heat.overlap(t + 331)
    heat.overlap(t + 332)
    assert heat.break_due(t + 332) is not None


def test_speech_level_is_the_louder_half_of_the_turn():
    rng = np.random.default_rng(1)
    speech = (rng.standard_normal(16000) * 3000).astype(np.int16)
    quiet = np.zeros(16000, dtype=np.int16)
    level = speech_level_db(np.concatenate([speech, quiet]))
    assert abs(level - speech_level_db(speech)) < 0.5  # the pause does not lower it
    assert abs(speech_level_db((speech * 2).astype(np.int16)) - speech_level_db(speech) - 6.02) < 0.1


def test_a_time_out_pauses_and_the_check_in_comes_at_the_set_time_once():
    d = Dialogue(EXERCISES["mirroring"], "Alex", "Sam", BOOK, ProtocolParams(break_secs=60.0))
    d.start()
    d.on_turn_started(TurnStarted(1, 10.0))
    assert d.on_heated("blame, louder, overlap") == [Note("heated", "blame, louder, overlap")]
    out = d.on_turn_ended(TurnEnded(1, 10.0, 16.0, 17.5, ((10.0, 16.0),)))
    assert [x.key for x in out if isinstance(x, Say)] == ["care_break"] and d.paused
    assert d.on_heated("overlap") == []  # once
    d.on_cue_finished(CueFinished("care_break", 30.0))
    assert d.on_tick(Tick(89.0)) == []
    assert [x.key for x in d.on_tick(Tick(90.0)) if isinstance(x, Say)] == ["care_check_in"]
    assert d.on_tick(Tick(120.0)) == [] and d.paused  # said once; both say resume to go on


def _line(who: str, text: str, gain: float) -> Line:
    audio = Voice(VOICES[who], 150).render(text).astype(np.float32) * gain
    return Line(who, text, np.clip(audio, -32768, 32767).astype(np.int16))


def _heated_stretch() -> list[Line]:
    """Three calm rounds, then both partners raised (+12 dB), racing and blaming."""
    calm = 0.25  # -12 dB: the heated lines are the same voices, raised
    pieces = ["I feel tired when the evenings are busy and we hardly talk.",
              "I would love an evening walk with you on Sundays.",
              "I worry about money when the bills come in."]
    lines = []
    for text in pieces:
        lines += [_line("Alex", text, calm), _line("Sam", "Let me see if I got that. " + text, calm),
                  _line("Alex", "Yes.", calm), _line("Alex", "Yes, there is more.", calm)]
    return lines + [
        _line("Alex", "You never listen to me. Whatever I say, you just do not care at all.", 1.0),
        _line("Sam", "That is ridiculous. You always exaggerate everything I do, every time.", 1.0)]


def test_a_spoken_heated_stretch_gets_one_time_out_and_the_check_in_at_the_set_time(tmp_path: Path):
    lines = _heated_stretch() + [Line("Alex", "", np.zeros(60 * 16000, np.int16))]  # the time-out, quietly
    events = run(tmp_path, "mirroring", lines, break_minutes=0.5)
    cues = [e for e in events if e["type"] == "cue"]
    keys = [c["key"] for c in cues]
    assert keys.count("care_break") == 1 and keys.count("care_check_in") == 1
    brk, check = cues[keys.index("care_break")], cues[keys.index("care_check_in")]
    assert 30.0 <= check["t"] - brk["end"] <= 31.0  # the set time (0.5 minutes), on the tick
    assert keys[-1] == "care_check_in"  # paused: no reminder, no prompt, until both say resume
    heated = [e for e in events if e["type"] == "note" and e["kind"] == "heated"]
    assert len(heated) == 1 and "louder" in heated[0]["detail"]
    assert PARAMS.break_secs == 1200.0  # the default: twenty minutes


def test_without_the_care_check_a_heated_stretch_goes_on(tmp_path: Path):
    """--no-care-check turns the heated-moment part off (never the danger part: test_care.py's
    spoken disclosure runs with it off)."""
    events = run(tmp_path, "mirroring", [*_heated_stretch(), _line("Alex", "Stop session.", 0.5)], care_check=False)
    keys = [e["key"] for e in events if e["type"] == "cue"]
    assert "care_break" not in keys
    assert not [e for e in events if e["type"] == "note" and e["kind"] == "heated"]
    assert keys.count("prompt_mirror") == 4  # the heated piece was mirrored as any other
    assert keys[-2:] == ["check", "goodbye"]
