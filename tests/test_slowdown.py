"""The slow-down rules, driven by plain lists of timestamped events."""

import pytest

from voice_coach.coaching.slowdown import (
    ONE_AT_A_TIME,
    PAUSE_FOR_MIRROR,
    PAUSED,
    SLOW_DOWN,
    CueSaid,
    HandedOver,
    HeardOverCoach,
    Remind,
    Slowdown,
    SlowdownParams,
    TurnDone,
    TurnRole,
    VoiceHeard,
)
from voice_coach.dialogue.protocol import Step
from voice_coach.events import Note, SpeechStarted, SpeechStopped, TurnTranscribed


def run(events, params=None, coach=None):
    coach = coach or Slowdown(params)
    out = []
    for ev in events:
        out += coach.feed(ev)
    return out, coach


def cues(decisions):
    return [(d.key, d.t) for d in decisions if isinstance(d, Remind)]


def notes(decisions, kind):
    return [d for d in decisions if isinstance(d, Note) and d.kind == kind]


def words(n):
    return " ".join(["word"] * n)


INVITE_SHARE = CueSaid(0.0, 5.0, "sender_starts", Step.SHARE)


def talk(start, spans, breath=0.4):
    """Speech from `start`, in spans of these lengths with short breaths between them."""
    evs, t = [], start
    for span in spans:
        evs += [SpeechStarted(t), SpeechStopped(t + span)]
        t += span + breath
    return evs


# --- a piece that runs too long ------------------------------------------------------------------


@pytest.mark.parametrize("last_breath,said", [(39.99, False), (40.0, True), (52.0, True)])
def test_long_piece_cue_at_a_breath_from_the_limit(last_breath, said):
    """The sender started at 6.0; the last breath comes `last_breath` seconds later."""
    evs = [INVITE_SHARE, SpeechStarted(6.0), SpeechStopped(20.0), SpeechStarted(20.4), SpeechStopped(6.0 + last_breath)]
    out, _ = run(evs)
    assert cues(out) == ([(PAUSE_FOR_MIRROR, 6.0 + last_breath)] if said else [])
    if said:
        assert notes(out, "long_piece")[0].value == pytest.approx(last_breath)


def test_long_piece_never_talks_over_the_sender():
    """A sender who never breathes is never cut off; the cue comes at the first breath after."""
    coach = Slowdown()
    coach.feed(INVITE_SHARE)
    assert coach.feed(SpeechStarted(6.0)) == []
    assert coach.feed(SpeechStarted(30.0)) == []  # still speaking: nothing happens
    out = coach.feed(SpeechStopped(75.0))
    assert cues(out) == [(PAUSE_FOR_MIRROR, 75.0)]


def test_long_piece_once_per_turn_and_only_for_the_sender():
    evs = [INVITE_SHARE] + talk(6.0, [20, 20, 10, 10])
    out, _ = run(evs)
    assert [k for k, _ in cues(out)] == [PAUSE_FOR_MIRROR]
    mirror = [CueSaid(0.0, 5.0, "prompt_mirror", Step.MIRROR)] + talk(6.0, [20, 20, 10])
    out, _ = run(mirror)
    assert cues(out) == []


def test_a_piece_taken_back_from_the_mirror_prompt_is_a_piece_again():
    """The coach asked for the mirror too soon and took it back: the sender's turn going on is
    held to the long-piece rule again, and a mirror taken back is not."""
    prompt = CueSaid(0.0, 5.0, "prompt_mirror", Step.MIRROR)
    out, _ = run([prompt, TurnRole(5.5, Step.SHARE), *talk(6.0, [20, 20, 10])])
    assert [k for k, _ in cues(out)] == [PAUSE_FOR_MIRROR]
    check = CueSaid(0.0, 5.0, "check", Step.CHECK)
    out, _ = run([check, TurnRole(5.5, Step.MIRROR), *talk(6.0, [20, 20, 10])])
    assert cues(out) == []


def test_long_piece_counts_from_the_real_pause_not_from_the_session():
    evs = [INVITE_SHARE] + talk(6.0, [25]) + [TurnDone(32.0, 1, "Alex", Step.SHARE, words(60))]
    evs += [CueSaid(33.0, 36.0, "prompt_mirror", Step.MIRROR), *talk(37.0, [10]), TurnDone(48.0, 2, "Sam", Step.MIRROR)]
    evs += [CueSaid(48.0, 50.0, "check", Step.CHECK), *talk(51.0, [25])]  # a new turn: 25 s, not 44
    out, _ = run(evs)
    assert notes(out, "long_piece") == []


# --- pace --------------------------------------------------------------------------------------


def shared_piece(start, seconds, text, turn=1):
    """A share turn of `seconds` of speech (two spans), then its end with `text`."""
    half = seconds / 2
    return [*talk(start, [half, half]), TurnDone(start + seconds + 1.4, turn, "Alex", Step.SHARE, text)]


def test_fast_piece_gets_one_slow_down():
    out, _ = run([INVITE_SHARE, *shared_piece(6.0, 6.0, words(30))])  # 300 wpm
    assert cues(out) == [(SLOW_DOWN, 13.4)]
    (pace,) = notes(out, "pace")
    assert pace.value == pytest.approx(300.0) and pace.turn == 1


def test_pace_exactly_at_the_threshold_is_not_too_fast():
    out, _ = run([INVITE_SHARE, *shared_piece(6.0, 6.0, words(20))])  # 200 wpm
    assert cues(out) == []
    assert notes(out, "pace")[0].value == pytest.approx(200.0)


def test_pace_counts_speech_time_not_breaths():
    evs = [INVITE_SHARE, *talk(6.0, [3.0, 3.0], breath=0.9), TurnDone(15.0, 1, "Alex", Step.SHARE, words(18))]
    out, _ = run(evs)
    assert notes(out, "pace")[0].value == pytest.approx(180.0)  # 18 words / 6 s, not / 6.9 s


def test_slow_down_at_most_once_per_interval():
    p = SlowdownParams(pace_interval=180.0)
    coach = Slowdown(p)
    coach.feed(INVITE_SHARE)
    said = []
    for n, start in enumerate([10.0, 60.0, 186.0, 200.0], 1):
        for ev in shared_piece(start, 6.0, words(30), turn=n):
            said += cues(coach.feed(ev))
        coach.feed(CueSaid(start + 8.0, start + 9.0, "prompt_mirror", Step.MIRROR))
        coach.feed(CueSaid(start + 9.0, start + 9.5, "sender_starts", Step.SHARE))
    # at 17.4 s; not at 67.4 (50 s later) nor 193.4 (176 s later); again at 207.4 (190 s later)
    assert said == [(SLOW_DOWN, 17.4), (SLOW_DOWN, 207.4)]


@pytest.mark.parametrize("text", ["", "   ", "..."])
def test_a_piece_with_no_words_triggers_nothing(text):
    out, _ = run([INVITE_SHARE, *shared_piece(6.0, 6.0, text)])
    assert cues(out) == [] and notes(out, "pace") == []


def test_a_short_fast_piece_is_noted_not_corrected():
    out, _ = run([INVITE_SHARE, *shared_piece(6.0, 3.0, words(20))])  # 400 wpm over 3 s
    assert cues(out) == [] and notes(out, "pace")[0].value == pytest.approx(400.0)


def test_a_pending_transcript_triggers_nothing_until_it_comes():
    coach = Slowdown()
    evs = [INVITE_SHARE, *shared_piece(6.0, 6.0, None)]
    out, _ = run(evs, coach=coach)
    assert out == []  # the turn ended, its words are still being transcribed
    assert cues(coach.feed(TurnTranscribed(1, words(30), 13.6))) == [(SLOW_DOWN, 13.6)]


def test_a_late_transcript_never_speaks_over_the_next_turn():
    coach = Slowdown()
    run([INVITE_SHARE, *shared_piece(6.0, 6.0, None)], coach=coach)
    coach.feed(CueSaid(13.4, 16.0, "prompt_mirror", Step.MIRROR))
    coach.feed(SpeechStarted(16.8))  # Sam is mirroring
    out = coach.feed(TurnTranscribed(1, words(30), 17.0))
    assert cues(out) == [] and len(notes(out, "pace")) == 1


def test_a_late_transcript_never_lands_after_a_queued_prompt():
    coach = Slowdown()
    run([INVITE_SHARE, *shared_piece(6.0, 6.0, None)], coach=coach)
    coach.feed(CueSaid(13.4, 16.0, "prompt_mirror", Step.MIRROR))
    assert cues(coach.feed(TurnTranscribed(1, words(30), 13.5))) == []


def test_a_mirror_s_pace_is_noted_but_only_a_sender_is_told_to_slow_down():
    evs = [CueSaid(0.0, 2.0, "prompt_mirror", Step.MIRROR), *talk(3.0, [3.0, 3.0])]
    evs.append(TurnDone(11.0, 2, "Sam", Step.MIRROR, words(40)))
    out, _ = run(evs)
    assert cues(out) == []
    (pace,) = notes(out, "pace")
    assert pace.value == pytest.approx(400.0) and pace.turn == 2


def test_an_answer_s_pace_is_not_noted():
    evs = [CueSaid(0.0, 2.0, "check", Step.CHECK), *talk(3.0, [3.0, 3.0])]
    evs.append(TurnDone(11.0, 2, "Alex", Step.CHECK, words(40)))
    out, _ = run(evs)
    assert out == []


# --- one at a time -------------------------------------------------------------------------------


def test_speaking_over_the_coach_is_an_interruption():
    out, coach = run([CueSaid(10.0, 14.0, "check", Step.CHECK), HeardOverCoach(12.0)])
    (note,) = notes(out, "interruption")
    assert (note.detail, note.t, coach.interruptions) == ("over_coach: spoke while the coach spoke", 12.0, 1)


def test_over_the_coach_names_who_when_their_voice_was_told():
    evs = [INVITE_SHARE, *talk(6.0, [5.0]), TurnDone(12.0, 1, "Alex", Step.SHARE),
           CueSaid(13.5, 17.0, "prompt_mirror", Step.MIRROR), SpeechStarted(17.4), SpeechStopped(19.0),
           HeardOverCoach(14.5, "Sam")]
    out, coach = run(evs)
    assert [n.detail for n in notes(out, "interruption")] == ["over_coach: Sam spoke while the coach spoke"]
    assert coach.interruptions == 1


def test_the_partner_the_coach_just_answered_going_on_is_a_cut_off_not_an_interruption():
    """Alex was not done: the coach's prompt came too soon. Neither his going on over it nor his
    voice in what the protocol took for Sam's mirror is held against anyone."""
    evs = [INVITE_SHARE, *talk(6.0, [5.0]), TurnDone(12.0, 1, "Alex", Step.SHARE),
           CueSaid(13.5, 17.0, "prompt_mirror", Step.MIRROR), SpeechStarted(17.4), SpeechStopped(19.0),
           HeardOverCoach(14.5, "Alex"), VoiceHeard(19.0, "Sam", "Alex")]
    out, coach = run(evs)
    assert notes(out, "interruption") == [] and coach.interruptions == 0
    (cut,) = notes(out, "cut_off")
    assert (cut.detail, cut.t) == ("Alex went on as the coach answered", 14.5)


def test_the_sender_over_let_s_pause_there_is_talking_over_not_a_cut_off():
    """The coach asked the sender to pause in the middle of their turn: it answered nobody."""
    evs = [INVITE_SHARE, *talk(6.0, [5.0]), TurnDone(12.0, 1, "Alex", Step.SHARE),
           CueSaid(13.5, 17.0, "prompt_mirror", Step.MIRROR), SpeechStarted(18.0), SpeechStopped(20.0),
           TurnDone(21.0, 2, "Sam", Step.MIRROR), CueSaid(21.5, 23.0, "check", Step.CHECK), SpeechStarted(24.0),
           CueSaid(64.0, 66.0, PAUSE_FOR_MIRROR), HeardOverCoach(64.5, "Sam")]
    out, _ = run(evs)
    assert [n.detail for n in notes(out, "interruption")] == ["over_coach: Sam spoke while the coach spoke"]
    assert notes(out, "cut_off") == []


def test_speaking_as_the_coach_ends_is_not():
    out, _ = run([CueSaid(10.0, 14.0, "check", Step.CHECK), SpeechStarted(14.0)])
    assert notes(out, "interruption") == []


def test_answering_before_the_cue_is_an_interruption():
    evs = [INVITE_SHARE, *talk(6.0, [5.0]), TurnDone(12.0, 1, "Alex", Step.SHARE), SpeechStarted(12.3)]
    out, _ = run(evs)
    (note,) = notes(out, "interruption")
    assert note.detail.startswith("before_cue")


def test_answering_during_the_held_breath_is_before_the_cue():
    evs = [INVITE_SHARE, *talk(6.0, [5.0]), TurnDone(12.0, 1, "Alex", Step.SHARE)]
    evs += [CueSaid(13.0, 16.0, "prompt_mirror", Step.MIRROR), SpeechStarted(12.5)]
    out, _ = run(evs)
    assert notes(out, "interruption")[0].detail.startswith("before_cue")


def test_the_other_voice_heard_in_a_turn_is_a_cut_in():
    evs = [INVITE_SHARE, SpeechStarted(6.0), SpeechStopped(8.0), SpeechStarted(8.4), SpeechStopped(10.0),
           VoiceHeard(10.0, "Alex", "Sam")]
    out, coach = run(evs)
    (note,) = notes(out, "interruption")
    assert (note.detail, note.t, coach.interruptions) == ("cut_in: Sam cut in on Alex", 10.0, 1)
    out, _ = run([*evs[:3], VoiceHeard(8.0, "Alex", "Alex")])
    assert notes(out, "interruption") == []


def test_a_cut_in_is_counted_once_per_turn():
    evs = [INVITE_SHARE, SpeechStarted(6.0), SpeechStopped(8.0), VoiceHeard(8.0, "Alex", "Sam"),
           SpeechStarted(8.4), SpeechStopped(10.0), VoiceHeard(10.0, "Alex", "Sam"),
           TurnDone(11.0, 1, "Alex", Step.SHARE), CueSaid(11.5, 13.0, "prompt_mirror", Step.MIRROR),
           SpeechStarted(14.0), SpeechStopped(16.0), VoiceHeard(16.0, "Sam", "Alex")]
    out, coach = run(evs)
    assert [n.t for n in notes(out, "interruption")] == [8.0, 16.0]  # the second turn: once more


def test_an_early_answer_is_not_also_a_cut_in():
    """Alex's turn ended; Sam starts before the prompt: that is the interruption, not his voice."""
    evs = [INVITE_SHARE, *talk(6.0, [5.0]), TurnDone(12.0, 1, "Alex", Step.SHARE), SpeechStarted(12.3),
           SpeechStopped(14.0), VoiceHeard(14.0, "Alex", "Sam")]
    out, _ = run(evs)
    assert [n.detail.split(":")[0] for n in notes(out, "interruption")] == ["before_cue"]


def test_one_at_a_time_after_three_interruptions_at_the_next_turn_end():
    coach = Slowdown()
    said = []
    t = 0.0
    for n in range(1, 5):
        said += cues(coach.feed(CueSaid(t, t + 3.0, "check", Step.CHECK)))
        said += cues(coach.feed(HeardOverCoach(t + 1.0)))  # over the coach, told after the cue
        said += cues(coach.feed(SpeechStarted(t + 3.4)))
        said += cues(coach.feed(SpeechStopped(t + 4.0)))
        said += cues(coach.feed(TurnDone(t + 5.0, n, "Alex", Step.CHECK)))
        t += 10.0
    assert said == [(ONE_AT_A_TIME, 25.0)]  # the third, said when that turn is over
    assert coach.interruptions == 1  # counting again from there


def test_talk_in_a_paused_session_is_never_answering_before_the_cue():
    """In a time-out the couple talks as they like and the coach answers no turn: nothing there
    counts towards "one at a time" (a soak heard it 69 times in a 37-minute pause)."""
    coach = Slowdown()
    coach.feed(CueSaid(0.0, 4.0, "care_break", PAUSED))
    out, t = [], 5.0
    for n in range(1, 8):
        out += coach.feed(SpeechStarted(t))
        out += coach.feed(SpeechStopped(t + 3.0))
        out += coach.feed(TurnDone(t + 3.5, n, "Alex" if n % 2 else "Sam", PAUSED))
        t += 3.8
    assert notes(out, "interruption") == [] and cues(out) == []
    # the same turns in a share step: each answered before the coach's cue
    out, _ = run([INVITE_SHARE, *talk(6.0, [3.0]), TurnDone(9.5, 1, "Alex", Step.SHARE), SpeechStarted(9.8)])
    assert len(notes(out, "interruption")) == 1


def test_a_reminder_does_not_answer_the_turn():
    """Speech between "one at a time" and the protocol's own cue is still before the cue."""
    coach = Slowdown()
    coach.feed(TurnDone(5.0, 1, "Alex", Step.CHECK))
    coach.feed(CueSaid(5.0, 7.0, ONE_AT_A_TIME))
    out = coach.feed(SpeechStarted(7.5))
    assert notes(out, "interruption")[0].detail.startswith("before_cue")


# --- a breath before answering ---------------------------------------------------------------------


def test_the_breath_before_each_turn_is_logged():
    evs = [INVITE_SHARE, *talk(6.0, [5.0]), TurnDone(12.0, 1, "Alex", Step.SHARE),
           CueSaid(13.0, 16.0, "prompt_mirror", Step.MIRROR), SpeechStarted(16.7)]
    out, _ = run(evs)
    (gap,) = notes(out, "breath")
    assert gap.value == pytest.approx(5.7)  # from Alex's last word at 11.0


@pytest.mark.parametrize("min_breath,wanted,start", [(2.0, 12.0, 13.0), (2.0, 14.0, 14.0), (0.0, 12.0, 12.0),
                                                     (1.0, 12.0, 12.0)])
def test_the_mirror_prompt_waits_for_a_breath(min_breath, wanted, start):
    coach = Slowdown(SlowdownParams(min_breath=min_breath))
    run([INVITE_SHARE, *talk(6.0, [5.0]), TurnDone(12.0, 1, "Alex", Step.SHARE)], coach=coach)
    assert coach.not_before("prompt_mirror", wanted) == pytest.approx(start)  # speech ended at 11.0
    assert coach.not_before("check", wanted) == wanted


def test_before_any_turn_cues_are_not_held():
    assert Slowdown().not_before("prompt_mirror", 3.0) == 3.0


def test_slow_down_again_exactly_at_the_interval():
    coach = Slowdown(SlowdownParams(pace_interval=180.0))
    coach.feed(INVITE_SHARE)
    said = []
    for n, start in enumerate([10.0, 190.0], 1):
        for ev in shared_piece(start, 6.0, words(30), turn=n):
            said += cues(coach.feed(ev))
    assert said == [(SLOW_DOWN, 17.4), (SLOW_DOWN, 197.4)]


def test_answering_the_appointment_question_is_no_interruption():
    from voice_coach.coaching.slowdown import Slowdown, TurnDone
    from voice_coach.events import SpeechStarted

    s = Slowdown()
    s.feed(SpeechStarted(1.0))
    s.feed(TurnDone(4.0, 1, "Alex", "appointment"))
    notes = s.feed(SpeechStarted(4.5))
    assert not [n for n in notes if getattr(n, "kind", "") == "interruption"]
    s.feed(TurnDone(6.0, 2, "Sam", Step.SHARE))
    notes = s.feed(SpeechStarted(6.2))
    assert [n.kind for n in notes if getattr(n, "kind", "") == "interruption"] == ["interruption"]


def test_going_on_after_a_breath_in_the_same_early_turn_is_one_interruption():
    from voice_coach.coaching.slowdown import Slowdown, TurnDone
    from voice_coach.events import SpeechStarted, SpeechStopped

    s = Slowdown()
    s.feed(SpeechStarted(1.0))
    s.feed(TurnDone(4.0, 1, "Sam", Step.SHARE))
    first = s.feed(SpeechStarted(4.3))  # Alex begins before the mirror prompt
    s.feed(SpeechStopped(5.0))
    again = s.feed(SpeechStarted(5.3))  # and goes on after a breath: the same interruption
    kinds = [n.kind for n in first + again if getattr(n, "kind", "") == "interruption"]
    assert kinds == ["interruption"] and s.interruptions == 1


def test_a_receiver_who_takes_the_turn_on_their_own_leaves_the_piece_its_own_speech():
    """Sam began at 12.0, a second after Alex's piece (6-11 s), and was told at a breath at 14.0:
    the loop hands the turn over. Alex's pace is over Alex's speech alone; Sam's turn is under way
    from 12.0, answered before the cue as one who answers in the held breath."""
    evs = [INVITE_SHARE, *talk(6.0, [5.0]), SpeechStarted(12.0), SpeechStopped(14.0),
           HandedOver(12.0, 14.0, 11.0), TurnDone(14.2, 1, "Alex", Step.SHARE),
           TurnRole(12.0, Step.MIRROR), SpeechStarted(14.4), SpeechStopped(16.0)]
    out, coach = run(evs)
    assert [n.detail for n in notes(out, "interruption")] == ["before_cue: answered before the cue"]
    assert [(n.t, n.value) for n in notes(out, "breath")] == [(12.0, 1.0)]
    out += coach.feed(TurnTranscribed(1, words(20), 15.0))
    (pace,) = notes(out, "pace")
    assert pace.value == pytest.approx(240.0)  # 20 words over 5 s, not over 7
    out, _ = run([TurnDone(16.5, 2, "Sam", Step.MIRROR), TurnTranscribed(2, words(14), 17.0)], coach=coach)
    assert notes(out, "pace")[0].value == pytest.approx(14 / 3.6 * 60, abs=0.1)  # 12-14 and 14.4-16
