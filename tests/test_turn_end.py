import pytest

from voice_coach.hearing.turn_end import EndRule, Words, judge_reply, judge_words


@pytest.mark.parametrize("text", [
    "I felt alone and",
    "I felt alone because...",
    "When you came home late,",
    "It reminded me of the",
    "I want to",
    "and I, um",
    "It\u2019s",  # a typographic apostrophe
    "I wish you had been there \u2014",
])
def test_pieces_that_lead_on_are_unfinished(text: str):
    assert judge_words(text) is Words.UNFINISHED


@pytest.mark.parametrize("text", [
    "I felt alone last night.",
    "No.",
    "Yes.",
    "Mm-hmm.",
    "Partly.",
    "That's all.",
    "Did you get it?",
    "",
])
def test_finished_sentences_and_answers_raise_no_objection(text: str):
    assert judge_words(text) is Words.NO_SIGN


@pytest.mark.parametrize("text", ["at that high level the air is", "The pencils have all been used",
                                  "What I need is."])
def test_no_full_stop_or_a_dangling_verb_is_open(text: str):
    assert judge_words(text) is Words.OPEN


@pytest.mark.parametrize("text", ["Hmm.", "Boom.", "Them.", "Well.", ""])
def test_one_word_that_does_not_answer_the_question_is_a_reply_not_yet_begun(text: str):
    assert judge_reply(text, answer=False, asked=True) is Words.OPEN
    assert judge_reply(text, answer=False, asked=False) is Words.NO_SIGN  # in a piece it is no sign


def test_a_reply_that_answers_or_says_more_is_read_as_before():
    assert judge_reply("Yes.", answer=True, asked=True) is Words.ANSWER
    assert judge_reply("Yes, and", answer=True, asked=True) is Words.UNFINISHED  # going on
    assert judge_reply("I think there is one more thing.", asked=True) is Words.NO_SIGN
    assert judge_reply("Hmm, well,", asked=True) is Words.UNFINISHED


RULE = EndRule(unsure=1.0, complete=0.6, unfinished=2.8, complete_above=0.7, unfinished_below=0.3)


def test_without_a_judgement_the_plain_silence_applies():
    assert RULE.silence_needed(None) == 1.0
    assert RULE.silence_needed(None, Words.NO_SIGN) == 1.0


def test_complete_needs_the_model_and_the_words():
    assert RULE.silence_needed(0.9, Words.NO_SIGN) == 0.6
    assert RULE.silence_needed(0.9, Words.PENDING) == 1.0  # waits for the words, never cuts
    assert RULE.silence_needed(0.9, Words.OPEN) == 1.0
    assert RULE.silence_needed(0.9, Words.UNFINISHED) == 2.8


def test_unfinished_by_the_model_or_by_the_words_waits_longest():
    assert RULE.silence_needed(0.1, Words.NO_SIGN) == 2.8
    assert RULE.silence_needed(0.1, Words.PENDING) == 2.8
    assert RULE.silence_needed(None, Words.UNFINISHED) == 2.8


def test_an_unsure_model_waits_the_plain_silence():
    assert RULE.silence_needed(0.5, Words.NO_SIGN) == 1.0
    assert RULE.silence_needed(0.3, Words.NO_SIGN) == 1.0  # the band's lower edge is unsure
    assert RULE.silence_needed(0.7, Words.NO_SIGN) == 0.6  # its upper edge is complete


def test_the_words_can_be_switched_off():
    rule = EndRule(unsure=1.0, complete=0.6, unfinished=2.8, complete_above=0.7, unfinished_below=0.3,
                   use_words=False)
    assert rule.silence_needed(0.9, Words.PENDING) == 0.6
    assert rule.silence_needed(0.9, Words.UNFINISHED) == 0.6
    assert rule.silence_needed(0.1) == 2.8


def test_the_unfinished_wait_is_never_shorter_than_the_unsure_one():
    rule = EndRule(unsure=3.0, complete=0.6, unfinished=2.8)
    assert rule.silence_needed(None, Words.UNFINISHED) == 3.0


def test_a_whole_answer_is_answered_quickly_whatever_the_hold():
    held = EndRule(unsure=2.8, complete=2.3, unfinished=2.8, answer=0.6)
    assert held.silence_needed(0.9, Words.ANSWER) == 0.6
    assert held.silence_needed(0.6, Words.ANSWER) == 0.6  # an unsure model: the words decide
    assert held.silence_needed(0.6, Words.NO_SIGN) == 2.8  # ... only when they are a whole answer
    assert held.silence_needed(0.9, Words.NO_SIGN) == 2.3  # a finished-sounding thought is held
    assert held.silence_needed(0.2, Words.ANSWER) == 0.6  # the model is unreliable on a word or two
    assert held.silence_needed(0.2, Words.NO_SIGN) == 2.8  # ... where the words are no answer, it holds
    assert held.silence_needed(None, Words.ANSWER) == 2.8  # not judged yet
