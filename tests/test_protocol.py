"""The mirroring round, driven by plain event lists: (kind, text) for each partner turn."""

import pytest

from voice_coach.events import TurnEnded, TurnTranscribed
from voice_coach.phrasebook import load_phrasebook
from voice_coach.protocol import Finish, MirroringRound, Say, Step

BOOK = load_phrasebook()


def play(turns: list[str]) -> tuple[list[str], MirroringRound]:
    """Feed one turn per text; return the cue keys said (and 'FINISH')."""
    proto = MirroringRound("Alex", "Sam", BOOK)
    said = [d.key for d in proto.start() if isinstance(d, Say)]
    for n, text in enumerate(turns, 1):
        ds = proto.on_turn_ended(TurnEnded(n, 0, 1, 2, ((0, 1),)))
        ds += proto.on_transcript(TurnTranscribed(n, text, 2.5))
        said += [d.key if isinstance(d, Say) else "FINISH" for d in ds if isinstance(d, (Say, Finish))]
    return said, proto


SHARE = "When you came home late I felt worried."
MIRROR = "Let me see if I got that. When I came home late you felt worried."

CASES = [
    ("one piece each, all understood",
     [SHARE, MIRROR, "Yes, you got it.", "No, that's all.",
      SHARE, MIRROR, "Yeah.", "That's all."],
     ["welcome", "sender_starts", "prompt_mirror", "check", "more", "switch",
      "prompt_mirror", "check", "more", "close", "FINISH"]),
    ("partly mirrored twice",
     [SHARE, MIRROR, "Partly.", "I also felt alone.", MIRROR, "Not quite.", "Alone.", MIRROR,
      "Yes."],
     ["welcome", "sender_starts", "prompt_mirror", "check", "say_missed", "prompt_mirror",
      "check", "say_missed", "prompt_mirror", "check", "more"]),
    ("is there more answered by going on",
     [SHARE, MIRROR, "Yes.", "And the next morning you did not even say sorry to me.", MIRROR],
     ["welcome", "sender_starts", "prompt_mirror", "check", "more", "prompt_mirror", "check"]),
    ("is there more answered yes",
     [SHARE, MIRROR, "Yes.", "Yes, there's more.", SHARE],
     ["welcome", "sender_starts", "prompt_mirror", "check", "more", "go_on", "prompt_mirror"]),
    ("unclear answer asked once again, then assumed yes",
     [SHARE, MIRROR, "Hmm.", "Uh."],
     ["welcome", "sender_starts", "prompt_mirror", "check", "ask_again", "more"]),
    ("stop session in the middle of a piece",
     ["I want to say, oh, stop session please."],
     ["welcome", "sender_starts", "prompt_mirror", "goodbye", "FINISH"]),
]


@pytest.mark.parametrize("name,turns,cues", CASES, ids=[c[0] for c in CASES])
def test_round(name, turns, cues):
    said, _ = play(turns)
    assert said == cues


def test_roles_switch_and_names_follow():
    proto = MirroringRound("Alex", "Sam", BOOK)
    proto.start()
    for n, text in enumerate([SHARE, MIRROR, "Yes.", "No."], 1):
        proto.on_turn_ended(TurnEnded(n, 0, 1, 2, ((0, 1),)))
        ds = proto.on_transcript(TurnTranscribed(n, text, 2.5))
    switch = [d for d in ds if isinstance(d, Say)][0]
    assert (switch.sender, switch.receiver) == ("Sam", "Alex")
    assert proto.speaker == "Sam" and proto.step is Step.SHARE


def test_mirror_loops_are_counted():
    _, proto = play([SHARE, MIRROR, "Partly.", "Alone.", MIRROR, "No.", "Alone.", MIRROR])
    assert proto.mirror_loops == 2 and proto.pieces == 1


def test_turn_while_waiting_for_an_answer_is_ignored():
    proto = MirroringRound("Alex", "Sam", BOOK)
    proto.start()
    for n in (1, 2, 3):
        proto.on_turn_ended(TurnEnded(n, 0, 1, 2, ((0, 1),)))
    assert proto.step is Step.CHECK
    ds = proto.on_turn_ended(TurnEnded(4, 0, 1, 2, ((0, 1),)))
    assert [d for d in ds if isinstance(d, Say)] == []
