"""The slow-down, live in the virtual room: a sender who talks past the limit is stopped at a
breath, never over their words; a receiver who mirrors over the coach's prompt, and one who starts
before the prompt, are logged as interruptions, and neither is talked over."""

from __future__ import annotations

import pytest
from live_session import run_live, stream_zero
from recordings import write_line
from virtual_room import available, segments

ALEX, SAM = "gmw/en-gb-x-rp", "gmw/en+f4"
H = "speech/two-speakers-harvard/"
# (who, parts, how): "cue" waits for the coach; "over" talks over the coach's next cue; a number
# starts that many seconds after the previous line ended, whatever the coach does.
SCRIPT = [
    ("Alex", [H + "spk1_snt1.wav", H + "spk1_snt2.wav", H + "spk1_snt3.wav", H + "spk1_snt4.wav"], "cue"),
    ("Sam", [H + "spk2_snt1.wav", H + "spk2_snt2.wav"], "over"),  # mirrors from 1 s into the prompt
    ("Alex", [(ALEX, "Yes, you got it.")], "cue"),
    ("Alex", [(ALEX, "No, that's all.")], "cue"),
    ("Sam", [H + "spk2_snt4.wav"], "cue"),
    ("Alex", [H + "spk1_snt5.wav"], 1.5),  # cuts in before the mirror prompt (held until 2.5 s)
    ("Sam", [(SAM, "Yes.")], "cue"),
    ("Sam", [(SAM, "That's all.")], "cue"),  # short: an espeak voice is not like Sam's recorded one
]
# Every pause ends a turn after 1 s, so that the cut-in at 1.5 s is a turn of its own.
SETTINGS = "long_piece = 5.0\nmin_breath = 2.5\nend_silence = 1.0\nsmart_turn = false\n"


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    why = available()
    if why:
        pytest.fail(f"the virtual room cannot be built: {why}")
    tmp = tmp_path_factory.mktemp("slow")
    (tmp / "settings.toml").write_text(SETTINGS)
    (tmp / "data").mkdir()
    (tmp / "data" / "first-use-acknowledged.json").write_text("{}")  # the safety note: test_live_room
    lines = []
    for i, (_who, parts, how) in enumerate(SCRIPT):
        write_line(tmp / f"l{i}.wav", parts, pause=0.5)
        lines.append((tmp / f"l{i}.wav", how))
    run = run_live(lines, ["--exercise", "mirroring", "--config", str(tmp / "settings.toml")], tmp / "data")
    return {"events": run.events, "rec": run.rec}


def test_a_long_piece_is_stopped_at_a_breath_never_over_speech(live):
    events = live["events"]
    keys = [e["key"] for e in events if e["type"] == "cue"]
    assert keys.count("pause_for_mirror") == 1
    assert keys.index("pause_for_mirror") == keys.index("prompt_mirror") - 1
    assert any(e["type"] == "note" and e["kind"] == "long_piece" for e in events)
    partners, coach = segments(live["rec"][:, 0]), segments(live["rec"][:, 1])
    # Where the coach begins to speak (a cue's own pauses are shorter): Sam, talking over the
    # prompt, hears the rest of it, but the coach never starts over anyone.
    starts = [c for i, c in enumerate(coach) if i == 0 or c.start - coach[i - 1].end > 0.5]
    for c in starts:
        assert not any(p.start < c.start < p.end for p in partners), f"coach spoke over a partner at {c.start:.2f}"


def test_talking_over_the_coach_and_starting_before_the_prompt_are_logged_and_not_talked_over(live):
    events = live["events"]
    notes = sorted((e for e in events if e["type"] == "note" and e["kind"] == "interruption"), key=lambda e: e["t"])
    assert [n["detail"].split(":")[0] for n in notes] == ["over_coach", "before_cue"]
    cue = next(e for e in events if e["type"] == "cue" and e["t"] < notes[0]["t"] < e["end"])
    assert cue["key"] == "prompt_mirror"
    # Told from where Sam's voice really began over the prompt, in the room's own recording (the
    # scripted partner starts a second after hearing the coach begin, later on a loaded machine).
    partners, offset = segments(live["rec"][:, 0]), stream_zero(events, live["rec"])
    began = next(p.start for p in partners if p.start > cue["t"] + offset) - offset  # Sam's first sound
    late = notes[0]["t"] - began
    print(f"talk-over heard {late:+.2f} s from its start ({began - cue['t']:.2f} s into the prompt)")
    assert -0.2 < late < 0.8
    cancelled = [e for e in events if e["type"] == "cue_cancelled"]
    assert [e["key"] for e in cancelled] == ["prompt_mirror"]
    keys = [e["key"] for e in events if e["type"] == "cue"]
    assert keys[-4:] == ["sender_starts", "check", "more", "close"]  # no prompt: Alex was mirroring


def test_pace_and_breaths_are_logged(live):
    kinds = {e["kind"] for e in live["events"] if e["type"] == "note"}
    assert {"pace", "breath", "fidelity"} <= kinds
