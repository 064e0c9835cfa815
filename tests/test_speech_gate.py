from voice_coach.events import SpeechStarted, SpeechStopped
from voice_coach.hearing.speech_gate import GateParams, SpeechGate

F = 0.03


def run(pattern: str, params: GateParams | None = None):
    gate = SpeechGate(params or GateParams())
    out = []
    for i, c in enumerate(pattern):
        ev = gate.push(i * F, c == "#")
        if ev:
            out.append(ev)
    return out


def test_speech_starts_back_dated_to_first_voiced_frame():
    events = run("....####" + "#" * 10)
    assert isinstance(events[0], SpeechStarted)
    assert abs(events[0].t - 4 * F) < 1e-9


def test_a_click_is_not_speech():
    assert run("..#.....#....#...") == []


def test_stop_reports_end_of_last_voiced_frame_after_short_pause():
    events = run("#" * 10 + "." * 12)
    assert isinstance(events[1], SpeechStopped)
    assert abs(events[1].t - 10 * F) < 1e-9


def test_a_gap_shorter_than_stop_secs_keeps_speaking():
    events = run("#" * 10 + "." * 5 + "#" * 10 + "." * 20)
    assert [type(e) for e in events] == [SpeechStarted, SpeechStopped]


def test_a_short_pause_of_two_tenths_reports_each_breath():
    events = run("#" * 10 + "." * 7 + "#" * 10 + "." * 10, GateParams(stop_secs=0.2))
    assert [type(e) for e in events] == [SpeechStarted, SpeechStopped, SpeechStarted, SpeechStopped]
    assert abs(events[1].t - 10 * F) < 1e-9 and abs(events[2].t - 17 * F) < 1e-9


def test_settings_give_the_gate_the_short_pause():
    from voice_coach.settings import Settings

    assert Settings(short_pause=0.25).gate_params().stop_secs == 0.25
