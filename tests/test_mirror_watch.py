from voice_coach.coaching.mirror_watch import MirrorWatch
from voice_coach.dialogue.protocol import Step


def test_each_mirror_is_scored_against_the_words_since_the_last_mirror():
    w = MirrorWatch(("Alex", "Sam"))
    assert w.on_transcript(Step.SHARE, "When you came home late I felt worried and alone.") is None
    first = w.on_transcript(Step.MIRROR, "When I came home late you felt alone.")
    assert first is not None and "worried" in " ".join(first.missed)
    w.on_transcript(Step.SHARE, "I was worried.")
    second = w.on_transcript(Step.MIRROR, "You were worried.")
    assert second is not None and second.recall == 1.0
    combined = w.end_round()
    assert combined is not None and combined.recall > first.recall
    assert w.end_round() is None


def test_turns_that_are_not_pieces_or_mirrors_are_not_scored():
    w = MirrorWatch(("Alex", "Sam"))
    assert w.on_transcript(Step.CHECK, "Yes.") is None
    assert w.on_transcript(Step.MIRROR, "Let me see if I got that.") is None  # nothing to mirror yet
    assert w.on_transcript(Step.SHARE, "   ") is None
