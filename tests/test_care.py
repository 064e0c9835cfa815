"""Care first: words that tell of danger stop the exercise, near misses do not, and the coach says
where to find help (care.py, helplines.py, Dialogue.on_danger)."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_exercises_spoken import line, run
from test_protocol import BOOK, PARAMS

from voice_coach.coaching.care import FEAR, SELF_HARM, THREAT, VIOLENCE, CareWatch, danger
from voice_coach.coaching.helplines import check_country, country_of_locale, for_country, spoken
from voice_coach.dialogue.exercises import EXERCISES
from voice_coach.dialogue.protocol import Dialogue, Finish, Say, Step
from voice_coach.errors import UserError
from voice_coach.events import Note, TurnEnded, TurnStarted, TurnTranscribed
from voice_coach.settings import Settings, load_settings


@pytest.mark.parametrize("text, kind", [
    ("You pushed me against the wall and I was afraid you would hit me.", VIOLENCE),
    ("He slapped me in front of the kids.", VIOLENCE),
    ("When you've been drinking I'm scared of you.", FEAR),
    ("I don't feel safe at home any more.", FEAR),
    ("You said you'd kill me if I ever left.", THREAT),
    ("I, um, sometimes think everyone would be better off without me.", SELF_HARM),
    ("I've been thinking about ending my life.", SELF_HARM),
    ("I've been, um, cutting again.", SELF_HARM),  # a filler set off by commas is not a clause's end
    ("He gets kind of physical when he's had a few.", VIOLENCE),
    ("You came at me with the kitchen knife.", THREAT),
    ("Sometimes I just want to go to sleep and not wake up.", SELF_HARM),
    ("The bruises on my arms were from Saturday, when he lost it.", VIOLENCE),
    ("I tense up every time I hear his truck in the drive.", FEAR),  # his arrival feared
    ("Let me see if I got that. When I shut you in the garage, you were terrified.", VIOLENCE),  # a mirror
    ("He said if I go back to college he'll make me regret it.", THREAT),
    ("I keep thinking about letting go of the wheel on the motorway.", SELF_HARM),
    ("He put his fist through the door and said the next one won't miss.", THREAT),  # "not" inside it
    ("I still have sex with her because saying no is worse.", VIOLENCE),
    ("She said she would poison the cat if I talked to my brother again.", THREAT),
    ("He threatened to post my private photos online.", THREAT),
    ("I just want to stop flinching when he walks past me.", FEAR),
    ("She bent my arm behind my back until I said sorry.", VIOLENCE),
    ("It got physical again last night, worse than before.", VIOLENCE),
    ("He leaves the knife on my pillow as a warning.", THREAT),
    ("You said next time it wouldn't just be a slap.", THREAT),  # "not" inside it
    ("She texted that I'd better answer her or else.", THREAT),
    ("I honestly don't think I'll be here much longer.", SELF_HARM),
    ("He said the cat might have an accident if I kept nagging.", THREAT),
    ("She keeps my passport and says I'll get it back when I learn some respect.", THREAT),
    ("So you're afraid that if you come home late I'll hurt you again.", FEAR),
    ("He stands there with the bat in his hand and says nothing, just staring.", THREAT),
    ("She held a cushion over my face until I stopped kicking.", VIOLENCE),
    ("I've been planning how I would do it, and when.", SELF_HARM),
    ("She told me that if I ever took the kids she'd find us wherever we went.", THREAT),
    ("I've got enough tablets put by now.", SELF_HARM),
    ("He says I'm not going anywhere until I've said sorry.", VIOLENCE),
    ("You force yourself on me when I'm half asleep.", VIOLENCE),
    ("Honestly I just want to fade away.", SELF_HARM),
])
def test_danger_is_heard_in_its_many_forms(text, kind):
    assert danger(text) == kind


@pytest.mark.parametrize("text", [
    "That meeting was killing me.",
    "I could kill for a coffee.",
    "I felt hurt when you forgot my birthday.",
    "I'm afraid we'll be late.",
    "You pushed me to apply for that job.",
    "It hit me that we had not talked all week.",
    "You have never hit me.",
    "I'm not afraid of you, I'm afraid of the silence.",
    "I don't feel safe telling you how I feel.",
    "I wanted to die of embarrassment.",
    "Let me see if I got that. You felt hurt when I forgot your birthday.",
    "The dog knocked me flat and I've got a bruise on my hip.",  # marks, but nobody did it
    "I cut myself chopping onions last night.",
    "He gets really physical in rugby.",
    "I don't see the point in arguing about the bins.",
    "I get so excited when I hear your key in the door.",
    "If you eat the last of the cake again, you'll regret it.",
    "The kids pinned my arms in a pillow fight and I couldn't stop laughing.",
    "You bite my head off whenever I mention money.",
    "I don't want to wake up that early ever again.",
    "You posted those pictures of our holiday without asking me.",
    "The vet said the cat would be fine after the operation.",
    "You twisted my arm to go to your sister's, and I'm glad you did.",
    "Things got physical in the rugby match on Saturday.",
    "You'd better hurry, or else we'll miss the train.",
    "I don't think I'll be here much longer than an hour tonight.",
    "The gun in the film went off without a warning.",
    "I could kill for a cold beer after that shift.",
    "You grabbed my arm on the stairs to stop me slipping, thank you.",
    "The dog might have an accident on the rug if we leave her too long.",
    "We'll find out what happens in the last episode tonight.",
    "I held the baby's hands down gently so she wouldn't scratch her face.",
    "It was only a slap on the wrist from the referee.",
    "My boss gave me a slap on the back for the promotion.",
    "I'm giving away my stuff before we move to the smaller flat.",
    "The kids want to fade out the music at the end of the video.",
])
def test_near_misses_are_not_danger(text):
    assert danger(text) is None


def test_danger_split_over_two_pieces_is_heard_once_per_turn():
    watch = CareWatch()
    assert watch.on_piece(1, "and then you pushed me") is None
    assert watch.on_piece(1, "against the wall") == VIOLENCE
    assert watch.on_piece(1, "and I cried") is None  # flagged once
    assert watch.on_turn(1, "and then you pushed me against the wall and I cried") is None
    assert watch.on_turn(2, "I am scared of you") == FEAR  # a turn heard whole


def _dialogue() -> Dialogue:
    d = Dialogue(EXERCISES["mirroring"], "Alex", "Sam", BOOK, PARAMS)
    d.start()
    return d


def _keys(ds: list) -> list[str]:
    return [d.key for d in ds if isinstance(d, Say)]


def test_danger_heard_during_a_piece_is_answered_with_care_when_the_turn_ends_never_a_mirror():
    d = _dialogue()
    d.on_turn_started(TurnStarted(1, 10.0))
    assert d.on_danger(VIOLENCE) == [Note("care", VIOLENCE)]  # not over the partner still speaking
    ended = d.on_turn_ended(TurnEnded(1, 10.0, 16.0, 17.5, ((10.0, 16.0),)))
    assert _keys(ended) == ["care_danger"] and d.paused
    assert d.on_transcript(TurnTranscribed(1, "you pushed me against the wall", 18.0)) == [
        Note("ignored_turn", "paused")]


def test_danger_heard_after_an_early_answer_takes_the_answer_back():
    d = _dialogue()
    d.on_turn_started(TurnStarted(1, 10.0))
    assert _keys(d.on_turn_ended(TurnEnded(1, 10.0, 16.0, 17.5, ((10.0, 16.0),)))) == ["prompt_mirror"]
    out = d.on_danger(SELF_HARM)
    assert out[0] == Note("care", SELF_HARM) and _keys(out) == ["care_self_harm"]
    assert d.step is Step.SHARE  # no mirror of it is owed


def test_after_care_only_both_partners_resume_and_stop_ends():
    d = _dialogue()
    d.on_danger(FEAR)
    assert d.on_danger(FEAR) == [Note("care", FEAR)]  # said once a pause
    d.on_turn_started(TurnStarted(1, 30.0))
    d.on_turn_ended(TurnEnded(1, 30.0, 30.5, 31.5, ((30.0, 30.5),)))
    assert _keys(d.on_transcript(TurnTranscribed(1, "resume", 32.0))) == ["one_ready"] and d.paused
    d.on_turn_started(TurnStarted(2, 33.0))
    d.on_turn_ended(TurnEnded(2, 33.0, 33.5, 34.5, ((33.0, 33.5),)))
    assert _keys(d.on_transcript(TurnTranscribed(2, "resume", 35.0)))[0] == "resumed" and not d.paused
    d.on_danger(FEAR)
    d.on_turn_started(TurnStarted(3, 40.0))
    d.on_turn_ended(TurnEnded(3, 40.0, 40.5, 41.5, ((40.0, 40.5),)))
    out = d.on_transcript(TurnTranscribed(3, "Stop session.", 42.0))
    assert _keys(out) == ["goodbye"] and isinstance(out[-1], Finish)


def test_help_lines_are_said_digit_by_digit_for_the_country_set():
    assert spoken("1-800-799-7233") == "1, 8 0 0, 7 9 9, 7 2 3 3"
    assert country_of_locale("en_GB.UTF-8") == "GB" and country_of_locale("C.UTF-8") is None
    assert for_country("gb").emergency == "999"
    assert for_country("ZZ").country == "default"
    text = BOOK.say("care_danger", "Alex", "Sam", **Settings(country="GB").cue_fields())
    assert "9 9 9" in text and "0 8 0 8" in text
    with pytest.raises(UserError, match="no help lines for 'ZZ'"):
        check_country("ZZ")
    assert load_settings(None, {"country": "au"}).country == "AU"


def test_a_spoken_disclosure_stops_the_exercise_and_a_near_miss_does_not(tmp_path: Path):
    """With the heated-moment check off (--no-care-check), as it never turns off danger."""
    lines = [
        line("Alex", "That meeting was killing me, and I felt hurt when you did not ask about it."),
        line("Sam", "Let me see if I got that. The meeting was killing you, and you felt hurt."),
        line("Alex", "Yes."),
        line("Alex", "No, that's all."),
        # several ways to say it, as people do: the coach must hear at least one through tiny.en
        # ("scared of you" was once heard as "scared on you", "pushed me" as "both be")
        line("Sam", "Last night you hit me. You pushed me against the wall, and I am afraid of you."),
        line("Alex", "Stop session."),
    ]
    events = run(tmp_path / "a", "mirroring", lines, care_check=False)
    cues = [e["key"] for e in events if e["type"] == "cue"]
    assert cues[:3] == ["welcome", "sender_starts", "prompt_mirror"]  # the near miss goes on
    after = cues[cues.index("switch"):]
    assert after == ["switch", "sender_starts", "care_danger", "goodbye"]  # never a mirror prompt
    cared = [e for e in events if e["type"] == "note" and e["kind"] == "care"]
    assert len(cared) == 1 and cared[0]["detail"] in (VIOLENCE, FEAR)
    assert [e["reason"] for e in events if e["type"] == "finish"] == ["stopped by voice"]


def test_danger_in_words_no_phrase_holds_is_heard_by_its_meaning_in_a_session(tmp_path: Path):
    said = "Some nights I sleep in the car so that he cannot get to me."
    assert danger(said) is None  # the phrases alone would go on to a mirror
    lines = [line("Alex", said), line("Alex", "Stop session.")]
    events = run(tmp_path / "a", "mirroring", lines)
    cues = [e["key"] for e in events if e["type"] == "cue"]
    assert cues[:2] == ["welcome", "sender_starts"] and cues[2] == "care_danger"  # never a mirror prompt
    assert [e["detail"] for e in events if e["type"] == "note" and e["kind"] == "care"] == [VIOLENCE]
