"""Session balance from plain log event lists: talking time, pieces, mirror loops, breaths, pace,
fidelity. One log is a real demo run (the small model's transcripts, errors and all)."""

import json

import pytest

from voice_coach.balance import session_balance

# `voice-coach demo --fast`, cue texts left out: Alex's piece needs a second mirror ("partly").
DEMO_LOG = [json.loads(line) for line in """
{"type": "session_start", "t": 0.0, "started": "2026-11-22T03:21:44", "exercise": "mirroring", "sender": "Alex", "receiver": "Sam"}
{"type": "cue", "t": 0.0, "key": "welcome", "end": 7.547, "step": "share"}
{"type": "cue", "t": 7.547, "key": "sender_starts", "end": 12.166, "step": "share"}
{"type": "turn_start", "t": 12.87, "turn": 1, "speaker": "Alex"}
{"type": "turn_end", "t": 19.53, "turn": 1, "speaker": "Alex", "step": "share", "start": 12.87, "end": 18.51, "duration": 5.64, "pieces": 1}
{"type": "cue", "t": 19.53, "key": "prompt_mirror", "end": 24.183, "step": "mirror"}
{"type": "transcript", "t": 19.53, "turn": 1, "speaker": "Alex", "step": "share", "text": "When you came home late on Tuesday without calling, I felt worried and alone."}
{"type": "turn_start", "t": 24.9, "turn": 2, "speaker": "Sam"}
{"type": "turn_end", "t": 33.27, "turn": 2, "speaker": "Sam", "step": "mirror", "start": 24.9, "end": 32.25, "duration": 7.35, "pieces": 1}
{"type": "cue", "t": 33.27, "key": "check", "end": 35.014, "step": "check"}
{"type": "transcript", "t": 33.27, "turn": 2, "speaker": "Sam", "step": "mirror", "text": "Let me see if I got mad. When I came lonely, don't use me without calling. You felt worried and alone."}
{"type": "turn_start", "t": 35.73, "turn": 3, "speaker": "Alex"}
{"type": "turn_end", "t": 38.46, "turn": 3, "speaker": "Alex", "step": "check", "start": 35.73, "end": 37.44, "duration": 1.71, "pieces": 1}
{"type": "transcript", "t": 38.46, "turn": 3, "speaker": "Alex", "step": "check", "text": "Partly, not all of it."}
{"type": "note", "t": 38.46, "kind": "answer", "detail": "partly"}
{"type": "cue", "t": 38.46, "key": "say_missed", "end": 40.995, "step": "share"}
{"type": "turn_start", "t": 41.7, "turn": 4, "speaker": "Alex"}
{"type": "turn_end", "t": 45.96, "turn": 4, "speaker": "Alex", "step": "share", "start": 41.7, "end": 44.94, "duration": 3.24, "pieces": 1}
{"type": "cue", "t": 45.96, "key": "prompt_mirror", "end": 50.613, "step": "mirror"}
{"type": "transcript", "t": 45.96, "turn": 4, "speaker": "Alex", "step": "share", "text": "I will also scan that something had happened to you."}
{"type": "turn_start", "t": 51.33, "turn": 5, "speaker": "Sam"}
{"type": "turn_end", "t": 55.59, "turn": 5, "speaker": "Sam", "step": "mirror", "start": 51.33, "end": 54.57, "duration": 3.24, "pieces": 1}
{"type": "cue", "t": 55.59, "key": "check", "end": 57.334, "step": "check"}
{"type": "transcript", "t": 55.59, "turn": 5, "speaker": "Sam", "step": "mirror", "text": "You will also scan not something happened to me."}
{"type": "turn_start", "t": 58.05, "turn": 6, "speaker": "Alex"}
{"type": "turn_end", "t": 60.36, "turn": 6, "speaker": "Alex", "step": "check", "start": 58.05, "end": 59.34, "duration": 1.29, "pieces": 1}
{"type": "transcript", "t": 60.36, "turn": 6, "speaker": "Alex", "step": "check", "text": "Yes, you got it."}
{"type": "note", "t": 60.36, "kind": "answer", "detail": "yes"}
{"type": "cue", "t": 60.36, "key": "more", "end": 61.899, "step": "more"}
{"type": "turn_start", "t": 62.61, "turn": 7, "speaker": "Alex"}
{"type": "turn_end", "t": 65.01, "turn": 7, "speaker": "Alex", "step": "more", "start": 62.61, "end": 63.99, "duration": 1.38, "pieces": 1}
{"type": "transcript", "t": 65.01, "turn": 7, "speaker": "Alex", "step": "more", "text": "No, that's all."}
{"type": "note", "t": 65.01, "kind": "answer", "detail": "done"}
{"type": "cue", "t": 65.01, "key": "switch", "end": 71.677, "step": "share"}
{"type": "turn_start", "t": 72.39, "turn": 8, "speaker": "Sam"}
{"type": "turn_end", "t": 78.03, "turn": 8, "speaker": "Sam", "step": "share", "start": 72.39, "end": 77.01, "duration": 4.62, "pieces": 1}
{"type": "cue", "t": 78.03, "key": "prompt_mirror", "end": 82.718, "step": "mirror"}
{"type": "transcript", "t": 78.03, "turn": 8, "speaker": "Sam", "step": "share", "text": "I felt trapped at work my evening and I forgot to call."}
{"type": "turn_start", "t": 83.43, "turn": 9, "speaker": "Alex"}
{"type": "turn_end", "t": 90.57, "turn": 9, "speaker": "Alex", "step": "mirror", "start": 83.43, "end": 89.55, "duration": 6.12, "pieces": 1}
{"type": "cue", "t": 90.57, "key": "check", "end": 92.298, "step": "check"}
{"type": "transcript", "t": 90.57, "turn": 9, "speaker": "Alex", "step": "mirror", "text": "Let me see if I got met. You felt trapped at work met evening and you forgot to call."}
{"type": "turn_start", "t": 93.0, "turn": 10, "speaker": "Sam"}
{"type": "turn_end", "t": 94.59, "turn": 10, "speaker": "Sam", "step": "check", "start": 93.0, "end": 93.57, "duration": 0.57, "pieces": 1}
{"type": "transcript", "t": 94.59, "turn": 10, "speaker": "Sam", "step": "check", "text": "Yes."}
{"type": "note", "t": 94.59, "kind": "answer", "detail": "yes"}
{"type": "cue", "t": 94.59, "key": "more", "end": 96.113, "step": "more"}
{"type": "turn_start", "t": 96.84, "turn": 11, "speaker": "Sam"}
{"type": "turn_end", "t": 100.08, "turn": 11, "speaker": "Sam", "step": "more", "start": 96.84, "end": 99.06, "duration": 2.22, "pieces": 1}
{"type": "transcript", "t": 100.08, "turn": 11, "speaker": "Sam", "step": "more", "text": "No, not before now."}
{"type": "note", "t": 100.08, "kind": "answer", "detail": "done"}
{"type": "cue", "t": 100.08, "key": "close", "end": 103.657, "step": "done"}
{"type": "finish", "t": 100.08, "reason": "complete"}
{"type": "session_end", "t": 103.68, "reason": "complete"}
""".strip().splitlines()]


class Log:
    """Writes a session log the way the loop does: turns, transcripts, answers and cues."""

    def __init__(self, sender="Alex", receiver="Sam"):
        self.events = [{"type": "session_start", "t": 0.0, "sender": sender, "receiver": receiver}]
        self.t, self.n = 0.0, 0

    def cue(self, key, step, secs=2.0):
        self.events.append({"type": "cue", "t": self.t, "key": key, "end": self.t + secs, "step": step})
        self.t += secs
        return self

    def turn(self, speaker, step, text, secs=4.0, gap=0.7, answer=None):
        """A turn `gap` s after now, `secs` long; text None: its transcript never came."""
        self.n += 1
        start, end = self.t + gap, self.t + gap + secs
        self.t = end + 1.0
        self.events += [
            {"type": "turn_start", "t": start, "turn": self.n, "speaker": speaker},
            {"type": "turn_end", "t": self.t, "turn": self.n, "speaker": speaker, "step": step,
             "start": start, "end": end, "duration": secs, "pieces": 1},
        ]
        if text is not None:
            self.events.append({"type": "transcript", "t": self.t, "turn": self.n, "speaker": speaker,
                                "step": step, "text": text})
        if answer:
            self.note("answer", answer)
        return self

    def note(self, kind, detail, **fields):
        self.events.append({"type": "note", "t": self.t, "kind": kind, "detail": detail, **fields})
        return self

    def end(self):
        self.events.append({"type": "session_end", "t": self.t + 3.0, "reason": "complete"})
        return self.events


SHARE = "When you came home late on Tuesday without calling, I felt worried and alone."
MIRROR = "Let me see if I got that. When I came home late on Tuesday without calling, you felt worried and alone."


def one_round(log, sender, receiver, share=SHARE, mirror=MIRROR):
    return (log.turn(sender, "share", share, secs=6.0).cue("prompt_mirror", "mirror")
            .turn(receiver, "mirror", mirror, secs=7.0).cue("check", "check")
            .turn(sender, "check", "Yes.", secs=1.0, answer="yes").cue("more", "more"))


def test_the_demo_session():
    b = session_balance(DEMO_LOG)
    assert b.duration == pytest.approx(103.68)
    alex, sam = b.partner("Alex"), b.partner("Sam")
    assert (alex.turns, alex.pieces, alex.mirrors, alex.mirror_loops) == (6, 1, 1, 1)
    assert (sam.turns, sam.pieces, sam.mirrors, sam.mirror_loops) == (5, 1, 2, 0)
    assert alex.talk_secs == pytest.approx(5.64 + 1.71 + 3.24 + 1.29 + 1.38 + 6.12)
    assert b.talk_secs == pytest.approx(alex.talk_secs + sam.talk_secs)
    assert b.talk_share("Alex") == pytest.approx(alex.talk_secs / b.talk_secs)
    first, second = b.pieces
    assert (first.sender, first.turns, first.mirror_loops) == ("Alex", (1, 4), 1)
    assert [(m.turn, m.of_turns) for m in first.mirrors] == [(2, (1,)), (5, (4,))]
    assert (second.sender, second.turns, second.mirror_loops) == ("Sam", (8,), 0)
    assert b.mirror_loops == 1 and b.loops_per_piece == 0.5
    assert first.words == 14 + 10 and first.wpm == pytest.approx(60 * 24 / (5.64 + 3.24), abs=0.1)
    # the model heard "I came lonely" for "I came home late on Tuesday": the score sees that
    assert first.mirrors[0].score.missed == ("home", "late", "tuesday")
    assert [m.label for m in first.mirrors] == ["partial", "good"]
    assert second.mirrors[0].label == "good" and second.mirrors[0].score.recall == 1.0
    assert [g.turn for g in b.gaps] == list(range(2, 12))
    assert b.gaps[0].seconds == pytest.approx(24.9 - 18.51)
    assert b.gaps[0].after_cue == pytest.approx(24.9 - 24.183)
    assert b.interruptions == {}


def test_talking_time_pieces_and_loops_per_partner():
    log = Log()
    one_round(log, "Alex", "Sam").turn("Alex", "more", "That's all.", secs=1.0, answer="done")
    log.cue("switch", "share")
    one_round(log, "Sam", "Alex").turn("Sam", "more", "No.", secs=1.0, answer="done").cue("close", "done")
    b = session_balance(log.end())
    assert [(p.name, p.talk_secs, p.turns, p.pieces, p.mirrors) for p in b.partners] == [
        ("Alex", 6 + 1 + 1 + 7, 4, 1, 1), ("Sam", 7 + 6 + 1 + 1, 4, 1, 1)]
    assert [p.sender for p in b.pieces] == ["Alex", "Sam"]
    assert b.mirror_loops == 0 and b.loops_per_piece == 0.0
    assert all(m.label == "good" for p in b.pieces for m in p.mirrors)
    assert b.partner("Sam").mean_recall == 1.0


def test_a_repeat_after_partly_is_the_same_piece_and_is_mirrored_on_its_own():
    log = Log()
    log.turn("Alex", "share", SHARE).cue("prompt_mirror", "mirror")
    log.turn("Sam", "mirror", "When I came home late, you felt alone.").cue("check", "check")
    log.turn("Alex", "check", "Partly.", answer="partly").cue("say_missed", "share")
    log.turn("Alex", "share", "I was also worried.").cue("prompt_mirror", "mirror")
    log.turn("Sam", "mirror", "You were also worried.").cue("check", "check")
    b = session_balance(log.end())
    (piece,) = b.pieces
    assert piece.turns == (1, 4) and piece.mirror_loops == 1
    first, second = piece.mirrors
    assert first.of_turns == (1,) and first.label == "partial" and "worried" in first.score.missed
    assert second.of_turns == (4,) and second.score.recall == 1.0


def test_going_on_after_did_they_get_it_is_part_of_the_piece():
    log = Log()
    log.turn("Alex", "share", SHARE).cue("prompt_mirror", "mirror")
    log.turn("Sam", "mirror", "You felt alone.").cue("check", "check")
    log.turn("Alex", "check", "Not quite, I was worried something had happened.", answer="going_on")
    log.cue("prompt_mirror", "mirror").turn("Sam", "mirror", "You were worried something had happened.")
    (piece,) = session_balance(log.end()).pieces
    assert piece.turns == (1, 3) and [m.of_turns for m in piece.mirrors] == [(1,), (3,)]


def test_going_on_after_is_there_more_is_a_new_piece():
    log = Log()
    one_round(log, "Alex", "Sam")
    log.turn("Alex", "more", "And the next morning you did not even say sorry.", answer="going_on")
    log.cue("prompt_mirror", "mirror").turn("Sam", "mirror", "The next morning I did not say sorry.")
    log.cue("check", "check").turn("Alex", "check", "Yes.", answer="yes").cue("more", "more")
    log.turn("Alex", "more", "Yes, there's more.", answer="more").cue("go_on", "share")
    log.turn("Alex", "share", "I felt small.").cue("prompt_mirror", "mirror")
    b = session_balance(log.end())
    assert [p.turns for p in b.pieces] == [(1,), (4,), (8,)]
    assert b.partner("Alex").pieces == 3 and b.pieces[2].mirrors == ()


def test_a_missing_transcript_leaves_scores_and_words_open():
    log = Log()
    log.turn("Alex", "share", None).cue("prompt_mirror", "mirror")
    log.turn("Sam", "mirror", MIRROR)
    (piece,) = session_balance(log.end()).pieces
    assert piece.words is None and piece.wpm is None
    assert piece.mirrors[0].score is None and piece.mirrors[0].label == "unscored"


def test_a_turn_with_no_words_is_no_piece_and_no_talk():
    """The protocol ignores a turn the model found no words in (a cough): so does the balance."""
    log = Log()
    log.turn("Alex", "share", "", secs=0.5)
    log.turn("Alex", "share", SHARE, secs=6.0).cue("prompt_mirror", "mirror").turn("Sam", "mirror", MIRROR)
    b = session_balance(log.end())
    (piece,) = b.pieces
    assert piece.turns == (2,) and piece.words == 14 and piece.mirrors[0].of_turns == (2,)
    assert b.partner("Alex").talk_secs == 6.0 and b.partner("Alex").turns == 1
    assert [t.number for t in b.turns] == [1, 2, 3]
    assert [g.turn for g in b.gaps] == [3]


def test_a_mirror_of_a_piece_with_no_content_words_is_unscored():
    log = Log()
    log.turn("Alex", "share", "Um, well, so...").cue("prompt_mirror", "mirror").turn("Sam", "mirror", MIRROR)
    b = session_balance(log.end())
    assert b.pieces[0].mirrors[0].label == "unscored"
    assert b.partner("Sam").mean_recall is None


def test_live_notes_pace_and_interruptions():
    log = Log()
    log.turn("Alex", "share", SHARE, secs=5.0).note("pace", "168 wpm over 5.0 s of speech", turn=1, value=168.0)
    log.note("interruption", "before_cue: answered before the cue", value=1)
    log.cue("prompt_mirror", "mirror").turn("Sam", "mirror", MIRROR)
    log.note("interruption", "over_coach: spoke while the coach spoke", value=2)
    log.note("interruption", "before_cue: answered before the cue", value=3)
    b = session_balance(log.end())
    assert b.pieces[0].speech_wpm == 168.0
    assert b.pieces[0].wpm == pytest.approx(60 * 14 / 5.0)
    assert b.interruptions == {"before_cue": 2, "over_coach": 1}


def test_breath_gaps_with_and_without_a_cue_between():
    log = Log()
    log.turn("Alex", "share", SHARE, secs=5.0)  # 0.7 .. 5.7
    log.cue("prompt_mirror", "mirror", secs=3.0)  # 6.7 .. 9.7
    log.turn("Sam", "mirror", MIRROR, gap=1.3)  # from 11.0
    log.turn("Sam", "mirror", MIRROR, gap=0.5)  # no cue between
    gaps = session_balance(log.end()).gaps
    assert [(g.turn, g.step) for g in gaps] == [(2, "mirror"), (3, "mirror")]
    assert gaps[0].seconds == pytest.approx(11.0 - 5.7) and gaps[0].after_cue == pytest.approx(1.3)
    assert gaps[1].seconds == pytest.approx(1.5) and gaps[1].after_cue is None


def test_a_log_cut_short():
    log = Log()
    log.turn("Alex", "share", SHARE).cue("prompt_mirror", "mirror")
    log.events.append({"type": "turn_start", "t": log.t + 0.5, "turn": 2, "speaker": "Sam"})
    b = session_balance(log.events)  # no turn_end, no session_end: the machine went off
    assert [p.turns for p in b.pieces] == [(1,)] and b.pieces[0].mirrors == ()
    assert b.duration == pytest.approx(log.t + 0.5)
    assert b.partner("Sam").turns == 0


def test_an_empty_log():
    b = session_balance([])
    assert (b.partners, b.pieces, b.gaps, b.duration, b.loops_per_piece) == ((), (), (), 0.0, None)


def test_summary_validation_and_empathy_are_not_pieces_or_mirrors():
    log = Log()
    one_round(log, "Alex", "Sam").turn("Alex", "more", "That's all.", answer="done").cue("summary", "summary")
    log.turn("Sam", "summary", "You felt worried.").cue("summary_check", "summary_check")
    log.turn("Alex", "summary_check", "Partly.", answer="partly").cue("summary_missed", "summary_missed")
    log.turn("Alex", "summary_missed", "And alone.").cue("prompt_mirror", "summary")
    log.turn("Sam", "summary", "You felt worried and alone.").cue("validate", "validate")
    log.turn("Sam", "validate", "You make sense.").cue("empathy", "empathy")
    b = session_balance(log.end())
    (piece,) = b.pieces
    assert piece.turns == (1,) and [m.turn for m in piece.mirrors] == [2]
    assert b.partner("Sam").talk_secs == 7.0 + 3 * 4.0  # mirror, two summaries, validation


def test_each_stem_is_a_piece():
    log = Log()
    for n in (1, 2):
        log.cue(f"appreciation_{n}", "share").turn("Alex", "share", f"I appreciate you for the {n} walks.")
        log.cue("prompt_mirror", "mirror").turn("Sam", "mirror", f"You appreciate me for the {n} walks.")
        log.cue("check", "check").turn("Alex", "check", "Yes.", answer="yes")
    b = session_balance(log.end())
    assert [p.turns for p in b.pieces] == [(1,), (4,)]
    assert all(p.mirrors[0].label == "good" for p in b.pieces)
