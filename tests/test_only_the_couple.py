"""Only the couple counts (issue 14), spoken through the real loop faster than real time: each
partner says hello, a real person's voice (a recording, as from a television) talks while the
coach waits, and the session goes on as if it had not. With and without consent to keep the voices."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from tests.recordings import shared_data
from tests.test_exercises_spoken import VOICES, cues, line, run
from voice_coach.cli import main
from voice_coach.demo_room import Line
from voice_coach.records.voice_store import VOICES_FILE
from voice_coach.speaking.voice import Voice


def _television() -> Line:
    """Eleven seconds of a real speech (faster-whisper's jfk.flac): nobody on the sofa."""
    audio, rate = sf.read(shared_data() / "speech" / "faster-whisper" / "jfk.flac", dtype="float32")
    mono = soxr.resample(audio.mean(axis=1) if audio.ndim > 1 else audio, rate, 16000)
    return Line("TV", "and so my fellow americans", (mono * 32767).astype(np.int16))


HELLOS = [line("Alex", "Hello, I'm Alex. My day was long, but good, and I'm glad we are doing this."),
          line("Sam", "Hello, I'm Sam. My day was busy, and I am happy to be here with you.")]


def _session(tmp: Path, keep: str) -> list[dict]:
    lines = [*HELLOS, line("Sam", keep), _television(),
             line("Alex", "When you are late I feel alone.", after_cue=False),
             line("Sam", "Let me see if I got that. When I am late you feel alone."),
             line("Alex", "Yes."), line("Alex", "Stop session.")]
    # the television stops well before Alex speaks: 4 s, longer than any hold, so two turns
    return run(tmp, "mirroring", lines, answer_gap=4.0, hello="always")


def test_another_voice_is_no_turn_and_a_yes_keeps_the_voices_for_next_time_until_forgotten(tmp_path: Path, capsys):
    events = _session(tmp_path, "Yes.")
    said = cues(events)
    assert said[:4] == ["welcome", "hello", "hello_next", "hello_keep"]
    assert said[4:7] == ["hello_kept", "sender_starts", "prompt_mirror"]  # the TV got no prompt
    others = [e for e in events if e["type"] == "note" and e["kind"] == "another_voice"]
    assert others and sum(e["value"] for e in others) > 5 and all("text" not in e for e in others)
    tv_turns = {e["turn"] for e in others}
    assert not [e for e in events if e.get("turn") in tv_turns and e["type"] in ("transcript", "turn_end")]
    assert all("american" not in json.dumps(e).lower() for e in events)  # its words are nowhere
    shares = [e for e in events if e["type"] == "turn_end" and e["step"] == "share"]
    assert [e["speaker"] for e in shares] == ["Alex"]
    hellos = [e["detail"] for e in events if e["type"] == "note" and e["kind"] == "hello"]
    assert hellos == ["Alex", "Sam"]
    kept = json.loads((tmp_path / VOICES_FILE).read_text())
    assert kept["keep"] is True and set(kept["voices"]) == {"Alex", "Sam"}
    assert (tmp_path / VOICES_FILE).stat().st_mode & 0o077 == 0

    # the next session: the voices kept, no hello, and still no turn for the television
    events = run(tmp_path, "mirroring", [_television(), line("Alex", "When you are late I feel alone.",
                                                             after_cue=False), line("Alex", "Stop session.")],
                 answer_gap=4.0, hello="always")
    said = cues(events)
    assert "hello" not in said and said[:3] == ["welcome", "sender_starts", "prompt_mirror"]
    assert [e for e in events if e["type"] == "note" and e["kind"] == "another_voice"]

    assert main(["forget", "--voices", "--data-dir", str(tmp_path)]) == 0
    assert not (tmp_path / VOICES_FILE).exists() and "Forgot" in capsys.readouterr().out


def test_without_consent_no_voiceprint_is_ever_written_and_a_partner_out_of_turn_is_named(tmp_path: Path):
    lines = [*HELLOS, line("Alex", "No."),
             line("Sam", "Can I say something first? It is about last night."),  # Alex's turn to share
             line("Alex", "When you are late I feel alone."),
             line("Sam", "Let me see if I got that. When I am late you feel alone."), line("Alex", "Stop session.")]
    events = run(tmp_path, "mirroring", lines, hello="always")
    said = cues(events)
    assert said[:6] == ["welcome", "hello", "hello_next", "hello_keep", "hello_not_kept", "sender_starts"]
    assert said[6:9] == ["wrong_partner_listen", "prompt_mirror", "check"]
    shares = [e["speaker"] for e in events if e["type"] == "turn_end" and e["step"] == "share"]
    assert shares == ["Alex"]
    stored = (tmp_path / VOICES_FILE).read_text()
    assert json.loads(stored)["keep"] is False and "vector" not in stored
    written = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file() and "cache" not in p.parts)
    assert b"vector" not in written


def test_a_hello_that_goes_on_over_the_next_cue_is_taken_back_and_keeps_its_first_voice(tmp_path: Path):
    """A whole sentence of hello is answered after a second's silence; Alex, who then says a
    second sentence over "Now you, Sam.", is not taken for Sam's hello: the cue is taken back
    and said again, and Sam's voice comes from Sam."""
    first, more = (Voice(VOICES["Alex"], 150).render(t) for t in (
        "Hi, I am Alex. I had a long day at work today.",
        "And I am really glad that we are finally doing this together, after such a long week."))
    pause = np.zeros(int(1.2 * 16000), np.int16)
    alex = Line("Alex", "hello in two sentences", np.concatenate([first, pause, more]))
    lines = [alex, HELLOS[1], line("Sam", "No."), line("Alex", "When you are late I feel alone."),
             line("Sam", "Let me see if I got that. When I am late you feel alone."), line("Alex", "Stop session.")]
    events = run(tmp_path, "mirroring", lines, hello="always")
    said = cues(events)
    assert said[:7] == ["welcome", "hello", "hello_next", "hello_next", "hello_keep", "hello_not_kept",
                        "sender_starts"]
    notes = [(e["kind"], e["detail"]) for e in events if e["type"] == "note" and e["kind"] in ("hello", "taken_back")]
    assert notes == [("hello", "Alex"), ("taken_back", "Alex went on; the coach waits for the rest"),
                     ("hello", "Alex"), ("hello", "Sam")]
    assert "wrong_partner_listen" not in said and "wrong_partner_mirror" not in said
    assert not [e for e in events if e["type"] == "note" and e["kind"] == "another_voice"]
    ends = {e["step"]: e["speaker"] for e in events if e["type"] == "turn_end" and e["step"] in ("share", "mirror")}
    assert ends == {"share": "Alex", "mirror": "Sam"}
