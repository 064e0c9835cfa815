"""Mirror fidelity: unit rules, and a labelled set of mirror pairs the score must agree with.

The labels are what a facilitator would say of the mirror as spoken: a paraphrase that keeps the
meaning is good, and so is a good mirror that the small speech model mis-transcribed.
"""

from collections import Counter

import pytest

from voice_coach.coaching.fidelity import (
    ADDS,
    GOOD,
    PARTIAL,
    UNSCORED,
    FidelityParams,
    combine,
    feedback_line,
    near,
    score,
    stem,
    words,
)
from voice_coach.dialogue.phrasebook import load_phrasebook

# (category, label, sender's piece, receiver's mirror)
WORDING = load_phrasebook().feedback

PAIRS = [
    # good: close mirrors, pronouns swapped
    ("good", "good", "When you came home late on Tuesday without calling, I felt worried and alone.",
     "Let me see if I got that. When I came home late on Tuesday without calling, you felt worried and alone."),
    ("good", "good", "I felt trapped at work that evening, and I forgot to call.",
     "Let me see if I got that. You felt trapped at work that evening, and you forgot to call."),
    ("good", "good", "I was also scared that something had happened to you.",
     "You were also scared that something had happened to me."),
    ("good", "good", "When you check your phone at dinner, I feel like I don't matter to you.",
     "So when I check my phone at dinner, you feel like you don't matter to me. Did I get it?"),
    ("good", "good", "I need us to plan the weekend together instead of deciding at the last minute.",
     "Let me see if I got that. You need us to plan the weekend together instead of deciding at the last minute."),
    ("good", "good", "I get really tense when the kitchen is a mess after a long day.",
     "If I got it, you get really tense when the kitchen is a mess after a long day."),
    ("good", "good", "It hurt me when you laughed at my idea in front of your sister.",
     "It hurt you when I laughed at your idea in front of my sister. Is there more?"),
    ("good", "good", "I miss the long walks we used to take on Sunday mornings.",
     "You miss the long walks we used to take on Sunday mornings."),
    ("good", "good", "I'm exhausted, and I'd love some help with the kids at bedtime.",
     "You're exhausted, and you would love some help with the kids at bedtime."),
    ("good", "good", "I didn't sleep well because I kept thinking about the money we owe.",
     "Let me see if I got that. You did not sleep well because you kept thinking about the money we owe."),
    ("good", "good", "I want two evenings a week just for us.",
     "You want 2 evenings a week just for us."),
    ("good", "good", "We argued three times this week about the car, and I'm tired of it.",
     "We argued 3 times this week about the car, and you're tired of it."),
    ("good", "good", "When your mother criticised my cooking, I wished you had said something.",
     "When my mother criticized your cooking, you wished I had said something."),
    # partial: the mirror leaves out a real part of the piece
    ("partial", "partial", "When you came home late on Tuesday without calling, I felt worried and alone.",
     "When I came home late, you felt alone."),
    ("partial", "partial", "I felt trapped at work that evening, and I forgot to call.",
     "You forgot to call."),
    ("partial", "partial", "When you check your phone at dinner, I feel like I don't matter to you.",
     "So it's about my phone at dinner."),
    ("partial", "partial", "I need us to plan the weekend together instead of deciding at the last minute.",
     "You need us to plan the weekend."),
    ("partial", "partial", "It hurt me when you laughed at my idea in front of your sister.",
     "It hurt you when I laughed."),
    ("partial", "partial", "I'm exhausted, and I'd love some help with the kids at bedtime.",
     "You're exhausted."),
    ("partial", "partial", "I miss the long walks we used to take on Sunday mornings, and I miss talking without our phones.",
     "You miss our walks on Sunday."),
    ("partial", "partial", "I get really tense when the kitchen is a mess after a long day, and then I snap at you.",
     "You get tense when the kitchen is a mess."),
    ("partial", "partial", "I didn't sleep well because I kept thinking about the money we owe to your parents.",
     "You didn't sleep well."),
    ("partial", "partial", "When you made plans with your friends without asking me first, I felt left out and unimportant.",
     "When I made plans with my friends, you felt left out."),
    ("partial", "partial", "I'd like us to put our phones away after nine so we can talk.",
     "You'd like us to put our phones away at night."),
    ("partial", "partial", "When your mother criticised my cooking, I wished you had said something.",
     "You wished I had said something."),
    ("partial", "partial", "I felt proud of you when you spoke at the meeting.",
     "You felt proud of me."),
    # adds: interpretation creeps in
    ("adds", "adds", "When you came home late on Tuesday without calling, I felt worried and alone.",
     "When I came home late on Tuesday without calling, you felt worried and alone, because you think I don't care about you and I'm selfish."),
    ("adds", "adds", "I felt trapped at work that evening, and I forgot to call.",
     "You felt trapped at work that evening and forgot to call, because your boss matters more to you than our family."),
    ("adds", "adds", "When you check your phone at dinner, I feel like I don't matter to you.",
     "When I check my phone at dinner you feel you don't matter, and you're jealous of my friends and want to control me."),
    ("adds", "adds", "I need us to plan the weekend together.",
     "You need us to plan the weekend together, because you never trust my decisions and always criticise me."),
    ("adds", "adds", "It hurt me when you laughed at my idea.",
     "You're saying I'm cruel and I humiliate you on purpose."),
    ("adds", "adds", "I'm exhausted, and I'd love some help with the kids at bedtime.",
     "You think I'm lazy and useless at home with the kids."),
    ("adds", "adds", "I miss the long walks we used to take.",
     "You miss our walks because you're bored with our marriage now."),
    ("adds", "adds", "I get really tense when the kitchen is a mess.",
     "You get tense when the kitchen is a mess, which means you blame me for everything and resent me."),
    ("adds", "adds", "I didn't sleep well because I kept thinking about the money.",
     "You didn't sleep because you're angry that I spend too much on clothes."),
    ("adds", "adds", "When you made plans without asking me, I felt left out.",
     "When I made plans without asking, you felt left out, like I'm hiding something from you and lying."),
    ("adds", "adds", "I'd like us to put our phones away after nine so we can talk.",
     "You'd like us to put our phones away after 9 so we can talk, because I'm addicted to my phone and I neglect you."),
    ("adds", "adds", "When your mother criticised my cooking, I wished you had said something.",
     "When my mother criticised your cooking you wished I'd defended you, because you think I always take her side against you."),
    ("adds", "adds", "I felt proud of you when you spoke at the meeting.",
     "You felt proud of me when I spoke at the meeting, but you secretly think I talk too much and show off."),
    # paraphrases that keep the meaning: labelled good
    ("paraphrase", "good", "When you came home late without calling, I felt worried and alone.",
     "So when I got home late and didn't phone, you were worried and lonely."),
    ("paraphrase", "good", "I was scared that something had happened to you.",
     "You were afraid something had happened to me."),
    ("paraphrase", "good", "I'm exhausted and I'd love some help with the kids at bedtime.",
     "You're worn out and you'd like me to help with the children at bedtime."),
    ("paraphrase", "good", "It hurt me when you laughed at my idea in front of your sister.",
     "When I laughed at your idea while my sister was there, you were hurt."),
    ("paraphrase", "good", "When you check your phone at dinner, I feel like I don't matter to you.",
     "When I look at my phone during dinner, you feel unimportant to me."),
    ("paraphrase", "good", "I need us to plan the weekend together instead of deciding at the last minute.",
     "You'd like us to make weekend plans together rather than decide last minute."),
    ("paraphrase", "good", "I get really tense when the kitchen is a mess after a long day.",
     "After a long day, a messy kitchen makes you really tense."),
    ("paraphrase", "good", "I miss the long walks we used to take on Sunday mornings.",
     "You miss our long Sunday morning walks."),
    ("paraphrase", "good", "I felt angry when you didn't tell me about the bill.",
     "You were mad that I didn't mention the bill."),
    ("paraphrase", "good", "I felt really sad and lonely last night.",
     "Last night you felt very sad and alone."),
    ("paraphrase", "good", "I feel closer to you when we cook dinner together.",
     "You feel close to me when we make dinner together."),
    ("paraphrase", "good", "I was embarrassed when you brought up our fight in front of my friends.",
     "You were ashamed when I mentioned our argument in front of your friends."),
    # transcription errors of the small model (the first three are real demo transcripts)
    ("asr", "good", "When you came home late on Tuesday without calling, I felt worried and alone.",
     "Let me see if I got mad. When I came lonely, don't use me without calling. You felt worried and alone."),
    ("asr", "good", "I will also scan that something had happened to you.",
     "You will also scan not something happened to me."),
    ("asr", "good", "I felt trapped at work my evening and I forgot to call.",
     "Let me see if I got met. You felt trapped at work met evening and you forgot to call."),
    ("asr", "good", "When you came home late on Tuesday without calling, I felt worried and alone.",
     "Let me see if I got that. When I came home lately on Tuesdays without call in, you felt worried and a lone."),
    ("asr", "good", "I'm exhausted and I'd love some help with the kids at bedtime.",
     "Your exhausted and you'd love some help with the kids at bed time."),
    ("asr", "good", "I want two evenings a week just for us.",
     "You want to evenings a week just for us."),
    ("asr", "good", "We argued three times this week about the car.",
     "We argued 3 times this week about the cart."),
    ("asr", "good", "It hurt me when you laughed at my idea in front of your sister.",
     "It heard you when I left at your idea in front of my sister."),
    ("asr", "good", "I felt anxious when you raised your voice in the car.",
     "You felt and shows when I raised my voice in the car."),
    ("asr", "good", "I need you to text me when you're going to be late.",
     "You need me to text you when I'm gonna be late."),
    ("asr", "good", "Alex, I felt ignored at the party on Saturday.",
     "Sam, you felt ignored at the party on Saturday."),
    ("asr", "good", "I felt lonely on the twenty fifth when you were away.",
     "You felt lonely on the 25th when I was away."),
    ("asr", "good", "I felt unheard when you interrupted me at dinner.",
     "You felt unheard when I interupted you at diner."),
]

# Measured when the set was written (thresholds as in FidelityParams, not tuned on it): 59 of 64.
# The five misses: "hiding ... and lying" (two added words, under the three that make "adds");
# "worn out"/"exhausted" and "unimportant"/"don't matter" (paraphrases beyond the synonym table);
# and two mirrors the model garbled past recovery ("I came lonely" for "I came home late on
# Tuesday", "It heard you when I left" for "It hurt you when I laughed"): the score judges the
# transcript, and the transcript did lose those words.
MEASURED_AGREEMENT = 59


def test_the_set_is_broad_enough():
    kinds = Counter(category for category, *_ in PAIRS)
    assert len(PAIRS) >= 40
    assert set(kinds) == {"good", "partial", "adds", "paraphrase", "asr"}
    assert min(kinds.values()) >= 10


def test_agreement_with_the_labels():
    hits, per_kind = 0, Counter()
    for category, label, piece, mirror in PAIRS:
        got = score(piece, mirror, names=("Alex", "Sam")).label()
        hits += got == label
        per_kind[category] += got == label
    kinds = Counter(category for category, *_ in PAIRS)
    detail = ", ".join(f"{k} {per_kind[k]}/{n}" for k, n in kinds.items())
    print(f"\nfidelity agreement: {hits}/{len(PAIRS)} = {hits / len(PAIRS):.1%} ({detail})")
    assert hits >= MEASURED_AGREEMENT


def test_contractions_pronouns_and_tense_agree():
    sc = score("I'm scared and I didn't sleep.", "You are scared and you did not sleep.")
    assert sc.recall == 1.0 and sc.added == ()
    assert score("I felt it when you came home.", "You feel it when I come home.").recall == 1.0


@pytest.mark.parametrize("piece,mirror", [
    ("I want two evenings a week.", "You want 2 evenings a week."),
    ("It was the twenty fifth.", "It was the 25th."),
    ("We argued 3 times.", "We argued three times."),
])
def test_numbers_as_words_or_digits(piece, mirror):
    sc = score(piece, mirror)
    assert sc.recall == 1.0 and sc.added == ()


def test_near_matches_tolerate_small_slips_but_not_short_words():
    assert near(stem("interrupted"), stem("interupted"))
    assert near(stem("dinner"), stem("diner"))
    assert near(stem("scared"), stem("afraid"))  # near-synonyms
    assert not near(stem("sad"), stem("mad"))  # three letters: one slip changes the word
    assert not near("2", "3")


def test_split_words_join_up():
    sc = score("I felt alone at bedtime.", "You felt a lone at bed time.")
    assert sc.recall == 1.0 and sc.added == ()


def test_framing_is_never_an_added_word():
    sc = score("I felt worried.", "Let me see if I got that. You felt worried. Did I get it? Is there more?")
    assert sc.added == () and sc.mirror_words == 1
    # a framing sentence the model misheard ("got that" as "got mad") is still framing
    assert score("I felt worried.", "Let me see if I got mad. You felt worried.").added == ()
    # but a framing phrase does not hide what follows it in the same sentence
    assert score("I felt worried.", "You said you felt worried and furious.").added == ("furious",)


def test_missed_and_added_words_in_the_speakers_forms():
    sc = score("When you came home late I felt worried and alone.", "When I came home you felt alone and betrayed.")
    assert sc.missed == ("late", "worried")
    assert sc.added == ("betrayed",)
    assert sc.recall == pytest.approx(3 / 5)


def test_names_are_not_content_words():
    sc = score("Sam, I felt ignored.", "Alex, you felt ignored.", names=("Alex", "Sam"))
    assert sc.recall == 1.0 and sc.added == ()
    assert score("Sam, I felt ignored.", "Alex, you felt ignored.").added == ("alex",)


@pytest.mark.parametrize("piece", ["", "   ", "um, uh, I, you."])
def test_a_piece_with_no_words_is_not_scored(piece):
    sc = score(piece, "You felt worried.")
    assert not sc.scorable and sc.recall == 0.0
    assert sc.label() == UNSCORED
    assert feedback_line(sc, "Alex", WORDING) is None


def test_an_empty_mirror_caught_nothing():
    sc = score("I felt worried.", "")
    assert sc.recall == 0.0 and sc.missed == ("worried",) and sc.label() == PARTIAL


def test_labels_and_their_edges():
    p = FidelityParams(good_recall=0.5, adds_min_words=2, adds_min_share=0.5)
    half = score("I felt worried and alone.", "You felt worried.")
    assert half.recall == 0.5 and half.label(p) == GOOD  # exactly at the limit
    assert half.label() == PARTIAL  # under the default 0.7
    adds = score("I felt worried.", "You felt worried because I am selfish.")
    assert adds.added == ("because", "selfish") and adds.added_share == pytest.approx(2 / 3)
    assert adds.label(p) == ADDS and adds.label() == GOOD  # default needs three added words


def test_feedback_line():
    sc = score("When you came home late I felt worried and alone.", "When I came home late you felt alone.")
    assert feedback_line(sc, "Alex", WORDING) == "You caught most of it; you missed 'worried'."
    assert feedback_line(score("I felt worried.", "You felt worried."), "Alex", WORDING) == "You caught all of it."
    part = score("I miss our long walks on Sunday mornings.", "You miss walks.")
    assert feedback_line(part, "Alex", WORDING) == "You caught part of it; you missed 'long' and 'sunday'."
    adds = score("I felt worried.", "You felt worried because you think I am selfish and lazy.")
    assert feedback_line(adds, "Alex", WORDING) == "You caught all of it; 'selfish' and 'lazy' came from you, not from Alex."


def test_feedback_names_feelings_first_and_at_most_two_words():
    sc = score("Without a word you left and I felt abandoned and scared.", "You left.")
    line = feedback_line(sc, "Sam", WORDING, FidelityParams(feedback_words=1))
    assert line == "That one was hard to catch; you missed 'scared'."


def test_every_word_of_the_line_comes_from_the_wording():
    """The joiner, the quotes and the punctuation too: a cue file in another language says it all."""
    own = {"all": "Tout", "most": "Presque tout, {sender}", "part": "Une partie", "little": "Dur",
           "missed": "il manque {words}", "added": "{words} de toi, pas de {sender}",
           "line": "{head} !", "line_and": "{head} : {then} !", "word": "\u00ab{word}\u00bb", "between": " et "}
    part = score("I miss our long walks on Sunday mornings.", "You miss walks.")
    assert feedback_line(part, "Alex", own) == "Une partie : il manque \u00ablong\u00bb et \u00absunday\u00bb !"
    most = score("When you came home late I felt worried and alone.", "When I came home late you felt alone.")
    assert feedback_line(most, "Alex", own) == "Presque tout, Alex : il manque \u00abworried\u00bb !"
    assert feedback_line(score("I felt worried.", "You felt worried."), "Alex", own) == "Tout !"


def test_a_word_caught_on_the_second_mirror_is_not_missed():
    first = score("When you came home late I felt worried and alone.", "When I came home late you felt alone.")
    second = score("I felt worried.", "You felt worried.")
    both = combine([first, second])
    assert both.missed == () and both.recall == 1.0
    assert feedback_line(both, "Alex", WORDING) == "You caught all of it."


def test_words_keep_what_was_said():
    ws = words("I've two kids, it's Tuesday's plan")
    assert [w.text for w in ws] == ["i", "have", "2", "kids", "it", "is", "tuesday", "plan"]
    assert [w.said for w in ws if w.content] == ["two", "kids", "tuesday", "plan"]


def test_log_fields_for_a_fidelity_note():
    sc = score("When you came home late I felt worried and alone.", "When I came home late you felt alone.")
    assert sc.log_fields() == {"detail": "good", "recall": 0.8, "missed": ["worried"], "added": []}
