import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voice_coach.dialogue import answers
from voice_coach.dialogue.phrasebook import default_cues_path, load_phrasebook
from voice_coach.errors import UserError
from voice_coach.settings import Settings

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


# ---------------------------------------------------------------------------------------------
# A cue file is checked whole before a session starts (issue 15, item 5)

WELCOME = 'welcome = "Welcome, {sender} and {receiver}. I will keep the time and give the cues."'


def _with_welcome(tmp_path: Path, line: str) -> Path:
    text = default_cues_path().read_text()
    assert WELCOME in text
    path = tmp_path / "cues.toml"
    path.write_text(text.replace(WELCOME, line))
    return path


@pytest.mark.parametrize("line,expect", [
    ('welcome = "Hi {sender"', "the text for 'welcome' has a { or } out of place"),
    ('welcome = "Hi sender}"', "the text for 'welcome' has a { or } out of place"),
    ('welcome = "Hi {sender!z}"', "the text for 'welcome' has a { or } out of place"),
    ('welcome = "Hi {sender:d}"', "the text for 'welcome' has a { or } out of place"),
    ('welcome = "Hi {}"', "the text for 'welcome' has an unknown name"),
    ('welcome = "Hi {sender.upper}"', "the text for 'welcome' has an unknown name"),
    ('welcome = ""', "the text for 'welcome' is empty"),
    ('welcome = "   "', "the text for 'welcome' is empty"),
    ("welcome = 3", "the text for 'welcome' must be text in quotes"),
])
def test_a_cue_the_coach_could_not_say_is_refused_naming_it_and_its_line(tmp_path: Path, line: str, expect: str):
    path = _with_welcome(tmp_path, line)
    with pytest.raises(UserError) as e:
        load_phrasebook(path)
    line_no = 1 + path.read_text().splitlines().index(line)
    assert f"line {line_no}: {expect}" in str(e.value) and "\n" not in str(e.value)


def test_braces_doubled_are_the_signs_themselves(tmp_path: Path):
    book = load_phrasebook(_with_welcome(tmp_path, 'welcome = "Hi {{both}} {sender}"'))
    assert book.say("welcome", "Alex", "Sam") == "Hi {both} Alex"


def test_a_wording_file_older_than_the_line_s_parts_takes_ours(tmp_path: Path):
    text = default_cues_path().read_text()
    parts = ['line = "{head}."', 'line_and = "{head}; {then}."', "word = \"'{word}'\"", 'between = " and "']
    for part in parts:
        assert part in text
        text = text.replace(part, "")
    (tmp_path / "cues.toml").write_text(text.replace("You caught all of it", "All of it"))
    feedback = load_phrasebook(tmp_path / "cues.toml").feedback
    assert feedback["all"] == "All of it" and feedback["between"] == " and " and feedback["line"] == "{head}."


@pytest.mark.parametrize("line,expect", [
    ('between = " {sender} "', "the text for 'between' has an unknown name {sender}"),
    ('word = "{words}"', "the text for 'word' has an unknown name {words}"),
    ('line = "{then}."', "the text for 'line' has an unknown name {then}"),
])
def test_a_part_of_the_line_with_a_name_it_is_not_given_is_refused(tmp_path: Path, line: str, expect: str):
    key = line.split(" =")[0]
    text = default_cues_path().read_text()
    ours = next(x for x in text.splitlines() if x.startswith(f"{key} ="))
    path = tmp_path / "cues.toml"
    path.write_text(text.replace(ours, line))
    with pytest.raises(UserError) as e:
        load_phrasebook(path)
    assert f"line {1 + path.read_text().splitlines().index(line)}: {expect}" in str(e.value)


@pytest.mark.parametrize("change,expect", [
    (("yes = [", "yes = ['', "), "'yes' needs phrases with words in them"),
    (("yes = [", "yes = ['?!', "), "'yes' needs phrases with words in them"),
    (("[cues]", "cues = 5\n[x]"), "[cues] must be a table of texts"),
])
def test_empty_phrases_and_odd_tables_are_refused(tmp_path: Path, change: tuple[str, str], expect: str):
    text = default_cues_path().read_text()
    assert change[0] in text
    (tmp_path / "cues.toml").write_text(text.replace(change[0], change[1], 1))
    with pytest.raises(UserError, match=re.escape(expect)):
        load_phrasebook(tmp_path / "cues.toml")


@pytest.mark.parametrize("blob,expect", [
    (b"[cues]\nwelcome = '\xff\xfe'\n", "is not UTF-8 text"),
    (b"x = " + b"[" * 5000, "not valid TOML"),
])
def test_a_cue_file_that_is_not_text_is_refused(tmp_path: Path, blob: bytes, expect: str):
    (tmp_path / "cues.toml").write_bytes(blob)
    with pytest.raises(UserError, match=expect):
        load_phrasebook(tmp_path / "cues.toml")


def test_a_cue_path_that_is_no_file_is_refused_at_once():
    with pytest.raises(UserError, match="cannot read cue file /dev/zero: it is not a regular file"):
        load_phrasebook(Path("/dev/zero"))


_PIECES = ["{", "}", "{{", "}}", "!", "!r", "!z", ":", ":d", ":>9", ".", "[0]", "sender", "receiver", "minutes",
           "x", " ", "\\", '"']


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(_PIECES), max_size=8).map("".join) | st.text(max_size=25))
def test_fuzz_any_cue_text_loads_and_can_be_said_or_is_refused_in_one_line(tmp_path: Path, text: str):
    escaped = "".join(c if c.isprintable() and c not in '"\\' else f"\\U{ord(c):08x}" for c in text)
    path = _with_welcome(tmp_path, f'welcome = "{escaped}"')
    try:
        book = load_phrasebook(path)
    except UserError as e:
        assert "\n" not in str(e)
        return
    for key in book.cues:  # every cue loaded can be said
        assert book.say(key, "Alex", "Sam", **Settings().cue_fields()).strip()
