from pathlib import Path

import pytest

from voice_coach import answers
from voice_coach.errors import UserError
from voice_coach.phrasebook import default_cues_path, load_phrasebook

BOOK = load_phrasebook()


@pytest.mark.parametrize("text,kind", [
    ("Yes.", "yes"), ("Yeah, you got it!", "yes"), ("Mostly, yes.", "partly"),
    ("Not quite.", "partly"), ("No.", "no"), ("Nope, you missed it.", "no"),
    ("Hmm.", None), ("Well the thing is that I was really very scared", "going_on"),
])
def test_did_they_get_it(text, kind):
    assert answers.did_they_get_it(text, BOOK) == kind


@pytest.mark.parametrize("text,kind", [
    ("No, that's all.", "done"), ("That's it.", "done"), ("Yes, there's more.", "more"),
    ("Yes.", "more"), ("No.", "done"), ("I also want to say that I miss you at dinner", "more"),
    ("And the worst part was the silence afterwards.", "going_on"),
])
def test_is_there_more(text, kind):
    assert answers.is_there_more(text, BOOK) == kind


def test_phrases_match_whole_words_only():
    assert not answers.contains_phrase("I know", "no")
    assert answers.contains_phrase("STOP, session!", "stop session")


def test_cues_fill_in_names():
    assert BOOK.say("check", "Alex", "Sam") == "Alex, did Sam get it?"


def test_user_cue_file_with_unknown_name_is_refused_naming_the_line(tmp_path: Path):
    bad = default_cues_path().read_text().replace("{sender}, did", "{partner}, did")
    (tmp_path / "cues.toml").write_text(bad)
    with pytest.raises(UserError) as e:
        load_phrasebook(tmp_path / "cues.toml")
    line = 1 + bad.splitlines().index(next(x for x in bad.splitlines() if "{partner}" in x))
    assert f"line {line}" in str(e.value) and "partner" in str(e.value)


def test_malformed_toml_is_refused(tmp_path: Path):
    (tmp_path / "cues.toml").write_text("[cues]\nwelcome = hi there\n")
    with pytest.raises(UserError, match="not valid TOML.*line 2"):
        load_phrasebook(tmp_path / "cues.toml")


def test_missing_cue_is_refused(tmp_path: Path):
    (tmp_path / "cues.toml").write_text("[cues]\nwelcome = 'hi'\n")
    with pytest.raises(UserError, match="needs a text for .safety_note."):
        load_phrasebook(tmp_path / "cues.toml")


@pytest.mark.parametrize("text,cmd", [
    ("Resume.", "resume"), ("Refume.", "resume"), ("Pause.", "pause"), ("Time out!", "time_out"),
    ("I want to stop session now, please.", "stop"), ("Switch roles.", "switch"),
    ("I had to pause at work and skip lunch.", None), ("Renew.", None), ("Yes.", None),
    ("Pass.", None),
])
def test_commands(text, cmd):
    assert answers.command(text, BOOK) == cmd


def test_time_out_word_is_the_couples_own():
    assert answers.command("Pineapple!", BOOK, timeout_word="pineapple") == "time_out"
    assert answers.command("Time out.", BOOK, timeout_word="pineapple") is None


def test_vocabulary_prompt_names_answers_and_commands():
    vocab = BOOK.vocabulary("pineapple")
    assert vocab.startswith("Yes.") and "Resume." in vocab and "Pineapple." in vocab
