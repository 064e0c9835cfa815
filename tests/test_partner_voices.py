"""Only the couple counts (issue 14): the hellos in the protocol, the judgement of a voice against
them, and the kept voices, driven by plain events and vectors."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import numpy as np

from voice_coach.dialogue.exercises import EXERCISES
from voice_coach.dialogue.phrasebook import load_phrasebook
from voice_coach.dialogue.protocol import Dialogue, KeepVoices, Say, Step
from voice_coach.events import Note, Tick, TurnStarted, TurnTranscribed
from voice_coach.hearing.partner_voices import Hello, HelloParams, PartnerVoices
from voice_coach.hearing.voiceprint import DIMENSIONS, ENCODER
from voice_coach.records.voice_store import VoiceStore

BOOK = load_phrasebook()


def _unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).standard_normal(DIMENSIONS).astype(np.float32)
    return v / np.linalg.norm(v)


def _near(v: np.ndarray, likeness: float, seed: int) -> np.ndarray:
    """A unit vector whose cosine with unit `v` is `likeness`."""
    other = _unit(seed)
    other -= (other @ v) * v
    other /= np.linalg.norm(other)
    return likeness * v + np.sqrt(1 - likeness**2) * other


def _couple() -> tuple[PartnerVoices, np.ndarray, np.ndarray]:
    couple = PartnerVoices(("Alex", "Sam"))
    alex, sam = _unit(1), _unit(2)
    assert couple.enrol("Alex", alex, -25.0, 3.0) and not couple.ready
    assert couple.enrol("Sam", sam, -28.0, 2.5) and couple.ready
    return couple, alex, sam


def test_a_hello_too_short_to_know_a_voice_by_is_not_kept():
    couple = PartnerVoices(("Alex", "Sam"))
    assert not couple.enrol("Alex", _unit(1), -25.0, HelloParams().min_secs - 0.1)
    assert not couple.enrol("Alex", None, -25.0, 3.0)
    assert "Alex" not in couple.hellos


def test_a_voice_like_a_hello_is_that_partner_and_an_unlike_one_is_another_voice():
    couple, alex, sam = _couple()
    like = HelloParams().like_above
    told = couple.judge(_near(sam, like + 0.1, 5), -27.0, 2.0)
    assert told.couple and told.who == "Sam" and told.reason == "partner"
    stranger = couple.judge(_near(alex, like - 0.1, 6), -25.0, 2.0)
    assert not stranger.couple and stranger.reason == "unlike"


def test_speech_far_quieter_than_both_hellos_is_another_voice_however_alike():
    couple, alex, _ = _couple()
    quieter = HelloParams().quieter_db
    assert couple.judge(alex, -28.0 - quieter + 1, 2.0).couple  # a soft partner is still theirs
    far = couple.judge(alex, -28.0 - quieter - 1, 2.0)
    assert not far.couple and far.reason == "quiet"


def test_speech_too_short_to_tell_and_speech_before_both_hellos_count_as_the_couple():
    couple, alex, _ = _couple()
    assert couple.judge(_unit(9), -25.0, HelloParams().tell_secs - 0.1).couple
    half = PartnerVoices(("Alex", "Sam"))
    half.enrol("Alex", alex, -25.0, 3.0)
    assert half.judge(_unit(9), -25.0, 5.0).couple


class Hellos:
    """The protocol's opening with hellos: `turn(heard)` is a turn whose voice was (or was not)
    long enough to know; `says(text)` a turn whose words are read."""

    def __init__(self, ask_keep: bool = True, first_use: bool = False) -> None:
        self.d = Dialogue(EXERCISES["mirroring"], "Alex", "Sam", BOOK, first_use=first_use, hello=True,
                          ask_keep=ask_keep)
        self.n = 0
        self.out: list = list(self.d.start())

    def turn(self, heard: bool) -> None:
        self.n += 1
        self.out += self.d.on_turn_started(TurnStarted(self.n, float(self.n)))
        self.out += self.d.on_hello(self.n, heard)
        self.out += self.d.on_transcript(TurnTranscribed(self.n, "hello, my day was long", float(self.n)))

    def says(self, text: str) -> None:
        self.n += 1
        self.out += self.d.on_turn_started(TurnStarted(self.n, float(self.n)))
        self.out += self.d.on_transcript(TurnTranscribed(self.n, text, float(self.n)))

    def said(self) -> list[tuple[str, str]]:
        return [(d.key, d.sender) for d in self.out if isinstance(d, Say)]


def test_each_partner_says_hello_by_name_then_the_couple_is_asked_about_keeping_their_voices():
    run = Hellos()
    assert run.said() == [("welcome", "Alex"), ("hello", "Alex")]  # the exercise's welcome first
    assert run.d.step is Step.HELLO and run.d.speaker == "Alex"
    run.turn(heard=True)
    assert run.d.speaker == "Sam" and run.said()[-1] == ("hello_next", "Sam")
    run.turn(heard=True)
    assert run.d.step is Step.HELLO_KEEP and run.said()[-1][0] == "hello_keep"
    assert run.d.complete_answer("yes")  # a plain yes is answered at once
    run.says("yes")
    assert KeepVoices(True) in run.out
    keys = [k for k, _ in run.said()]
    assert keys[-2:] == ["hello_kept", "sender_starts"] and run.d.step is Step.SHARE
    assert keys.count("welcome") == 1
    assert run.d.speaker == "Alex"  # the roles are as they were


def test_an_unclear_answer_about_keeping_voices_keeps_nothing():
    run = Hellos()
    run.turn(True)
    run.turn(True)
    run.says("what do you mean")
    assert KeepVoices(False) in run.out and KeepVoices(True) not in run.out
    assert ("hello_not_kept", "Alex") in run.said()


def test_a_failed_hello_is_asked_again_once_then_the_session_goes_on_without_the_check():
    run = Hellos()
    run.turn(heard=False)
    assert run.said()[-1] == ("hello_again", "Alex") and run.d.step is Step.HELLO
    run.turn(heard=True)
    run.turn(heard=False)
    assert run.said()[-1] == ("hello_again", "Sam") and run.d.speaker == "Sam"
    run.turn(heard=False)
    keys = [k for k, _ in run.said()]
    assert "hello_failed" in keys and "hello_keep" not in keys
    assert not any(isinstance(d, KeepVoices) for d in run.out) and run.d.step is Step.SHARE
    assert Note("hello", "Sam: failed") in run.out


def test_the_safety_note_comes_before_the_hellos_and_no_keep_question_once_they_chose():
    run = Hellos(ask_keep=False, first_use=True)
    assert run.said() == [("safety_note", "Alex")]
    run.says("yes")
    assert run.said()[-2:] == [("welcome", "Alex"), ("hello", "Alex")]
    run.turn(True)
    run.turn(True)
    assert "hello_keep" not in [k for k, _ in run.said()] and run.d.step is Step.SHARE


def test_another_voice_is_no_turn_and_the_coach_goes_on_waiting():
    d = Dialogue(EXERCISES["mirroring"], "Alex", "Sam", BOOK)
    d.start()
    d.on_turn_started(TurnStarted(1, 5.0))
    d.on_other_voice(9.0)
    assert d.step is Step.SHARE and d.speaker == "Alex"
    assert d.on_tick(Tick(9.0 + d.p.remind_after)) != []


def test_kept_voices_are_owner_only_and_a_no_writes_nothing_about_a_voice(tmp_path: Path):
    store = VoiceStore(tmp_path)
    assert store.choice() is None and store.hellos(("Alex",)) == {}
    store.keep({"Alex": Hello(_unit(1), -25.0), "Sam": Hello(_unit(2), -27.5)})
    assert store.choice() is True
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600
    kept = store.hellos(("Alex", "Sam", "Kim"))
    assert set(kept) == {"Alex", "Sam"} and float(kept["Alex"].vector @ _unit(1)) > 0.999
    assert kept["Sam"].level == -27.5
    store.refuse()
    assert store.choice() is False and store.hellos(("Alex", "Sam")) == {}
    assert "vector" not in store.path.read_text() and set(json.loads(store.path.read_text())) == {"keep", "at"}
    assert store.forget() and not store.path.exists() and store.choice() is None


def test_a_damaged_voices_file_is_as_if_never_asked(tmp_path: Path):
    store = VoiceStore(tmp_path)
    store.path.write_text("{not json")
    assert store.choice() is None and store.hellos(("Alex",)) == {}
    store.path.write_text(json.dumps({"keep": True, "encoder": ENCODER,
                                      "voices": {"Alex": {"vector": [1, 2], "level": -3}}}))
    assert store.hellos(("Alex",)) == {}  # the wrong size is not a voice


def test_voices_kept_by_another_voiceprint_model_are_asked_for_again(tmp_path: Path):
    """Hellos kept before the encoder changed (GE2E's 256 numbers) cannot be compared with today's:
    the couple says hello again, and a yes keeps the new ones."""
    store = VoiceStore(tmp_path)
    store.keep({"Alex": Hello(_unit(1), -25.0)})
    assert set(store.hellos(("Alex",))) == {"Alex"}
    old = json.loads(store.path.read_text())
    old["encoder"] = "GE2E"
    store.path.write_text(json.dumps(old))
    assert store.choice() is True and store.hellos(("Alex",)) == {}
    del old["encoder"]
    store.path.write_text(json.dumps(old))
    assert store.hellos(("Alex",)) == {}
    store.keep({"Sam": Hello(_unit(2), -25.0)})  # the old Alex is not carried over
    assert set(store.hellos(("Alex", "Sam"))) == {"Sam"}


def test_a_partner_out_of_turn_is_named_once_a_round_then_taken_as_usual():
    d = Dialogue(EXERCISES["mirroring"], "Alex", "Sam", BOOK)
    d.start()
    assert d.on_wrong_partner("Alex", 3.0) is None  # the sender in their own turn
    told = d.on_wrong_partner("Sam", 3.0)
    assert told is not None and [x.key for x in told if isinstance(x, Say)] == ["wrong_partner_listen"]
    assert d.step is Step.SHARE and d.speaker == "Alex"
    assert d.on_wrong_partner("Sam", 9.0) is None  # twice in a round: perhaps the voice was misjudged
    d.on_turn_started(TurnStarted(1, 10.0))
    d.on_transcript(TurnTranscribed(1, "I feel alone when you are late", 12.0))
    assert d.step is Step.MIRROR
    told = d.on_wrong_partner("Alex", 15.0)  # a new round: the sender talks into the mirror
    assert told is not None and [x.key for x in told if isinstance(x, Say)] == ["wrong_partner_mirror"]
    assert BOOK.say("wrong_partner_mirror", "Alex", "Sam").startswith("Alex, let Sam answer first")


def test_a_verdict_names_a_partner_clearly_only_by_a_margin():
    couple, alex, sam = _couple()
    between = alex + sam
    between /= np.linalg.norm(between)
    told = couple.judge(between, -25.0, 2.0)
    assert told.couple and not told.clearly("Alex", 0.1) and not told.clearly("Sam", 0.1)
    assert couple.judge(alex, -25.0, 2.0).clearly("Alex", 0.1)


def test_hellos_are_asked_on_a_microphone_and_skipped_once_both_voices_are_kept(tmp_path: Path):
    from voice_coach.app import _couple
    from voice_coach.settings import Settings

    store = VoiceStore(tmp_path)
    assert _couple(Settings(), store, microphone=True)[1:] == (True, True)  # and asked about keeping them
    assert not _couple(Settings(), store, microphone=False)[1]  # a recording, the demo
    assert _couple(Settings(hello="always"), store, microphone=False)[1]
    assert not _couple(Settings(hello="never"), store, microphone=True)[1]
    assert not _couple(Settings(voice_check=False), store, microphone=True)[1]
    store.keep({"Alex": Hello(_unit(1), -25.0)})
    couple, ask, ask_keep = _couple(Settings(), store, microphone=True)
    assert ask and not couple.ready and not ask_keep  # Sam's voice is not kept: both say hello again
    store.keep({"Sam": Hello(_unit(2), -25.0)})
    couple, ask, _ = _couple(Settings(), store, microphone=True)
    assert couple.ready and not ask
    store.refuse()
    couple, ask, ask_keep = _couple(Settings(), store, microphone=True)
    assert ask and not couple.hellos and not ask_keep


def test_forget_voices_says_what_it_did_and_takes_no_session(tmp_path: Path, capsys):
    from voice_coach.cli import main

    assert main(["forget", "--voices", "--data-dir", str(tmp_path)]) == 0
    assert "No voices are kept" in capsys.readouterr().out
    VoiceStore(tmp_path).refuse()
    assert main(["forget", "--voices", "--all", "--data-dir", str(tmp_path)]) != 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--voices" in err and VoiceStore(tmp_path).choice() is False


def test_a_hello_of_a_whole_sentence_is_all_it_asks_but_an_open_or_short_one_is_waited_for():
    """A hello ended at its first pause ("Hello, I'm Alex. My day was long,") was cut in two, its
    second half taken for the other partner's: only a sentence of HELLO_WORDS words, ended, is a
    whole hello (answered after HelloParams.end_after); anything else is waited for as a piece."""
    run = Hellos()
    assert run.d.complete_answer("Hi, I'm Alex. I had a long day at work.")
    assert not run.d.complete_answer("Hello, I'm Alex. My day was long,")
    assert not run.d.complete_answer("Hi, I'm Alex. I had a long day and")
    assert not run.d.complete_answer("Hi, I'm Alex.")
