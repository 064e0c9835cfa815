"""The first steps of reading words, shared by every reader."""

from voice_coach.coaching import care, fidelity
from voice_coach.text import folded, plain, spelt_out


def test_contractions_are_spelt_out_one_way():
    assert spelt_out("didn't") == ["did", "not"]
    assert spelt_out("won't") == ["will", "not"]
    assert spelt_out("'cause") == ["because"]
    assert spelt_out("it's") == ["it", "is"]
    assert spelt_out("sam's") == ["sam"]  # a possessive is the name
    assert spelt_out("'hello'") == ["hello"]
    assert spelt_out(folded("I’m")) == ["i", "am"]


def test_the_care_phrases_and_the_mirror_check_read_contractions_alike():
    said = "He's gonna hurt me 'cause I didn't call."
    assert care.normalise(said) == "he is going to hurt me because i did not call |"
    mirror = fidelity.score(said, "He is going to hurt you because you did not call.")
    assert mirror.recall == 1.0 and not mirror.added, mirror


def test_a_word_error_rate_compares_plain_words():
    assert plain("Sam, you’re doing WELL... Is there more?") == "sam you're doing well is there more"
    assert plain("  ") == ""
