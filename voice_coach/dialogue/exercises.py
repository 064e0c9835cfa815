"""The exercises as data: which phases each sender goes through, in order.

The protocol (protocol.py) knows how to run each kind of phase; this module only says which
phases make up an exercise, so a new exercise is a new entry here plus its wording in the cues.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phase:
    kind: str  # appointment | pieces | summary | validate | empathy | thanks | say | gift | flood
    stems: tuple[str, ...] = ()  # cue keys, one mirrored piece each; empty: free pieces
    ask_more: bool = False  # free pieces end when the sender says there is no more
    key: str = ""  # the cue of a "say" phase
    first_sender_only: bool = False


@dataclass(frozen=True)
class Exercise:
    name: str
    intro: str
    phases: tuple[Phase, ...]
    senders: int  # 2: both partners send, one after the other; 1: the first only
    summary: str


def _stems(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}_{i}" for i in range(1, n + 1))


EXERCISES: dict[str, Exercise] = {
    e.name: e
    for e in (
        Exercise(
            "dialogue", "welcome",
            (Phase("appointment", first_sender_only=True), Phase("pieces", ask_more=True),
             Phase("summary"), Phase("validate"), Phase("empathy"), Phase("thanks")),
            2, "the whole Imago Dialogue: mirror, summarise, validate, empathise, switch",
        ),
        Exercise(
            "mirroring", "welcome", (Phase("pieces", ask_more=True),), 2,
            "the minimal mirroring round: share, mirror, check, more, switch",
        ),
        Exercise(
            "appreciation", "appreciation_intro", (Phase("pieces", _stems("appreciation", 3)),), 2,
            "three appreciation stems each, mirrored: a gentle first exercise",
        ),
        Exercise(
            "frustration", "frustration_intro",
            (Phase("pieces", _stems("frustration", 7)), Phase("validate"), Phase("empathy")),
            1, "a frustration worked through seven stems, then validation and empathy",
        ),
        Exercise(
            "request", "request_intro",
            (Phase("pieces", ("request_frustration", "request_desire")),
             Phase("say", key="request_guide"), Phase("pieces", _stems("request", 3)),
             Phase("gift")),
            1, "a behaviour change request: frustration, desire, three requests, one gift",
        ),
        Exercise(
            "flooding", "welcome", (Phase("flood"),), 2,
            "positive flooding: each partner showered with appreciations for a few minutes",
        ),
    )
}

# Cues the protocol itself may say, whatever the exercise.
ENGINE_CUES = (
    "safety_note", "safety_declined", "welcome", "sender_starts", "go_ahead", "appointment",
    "appointment_later", "prompt_mirror", "check", "ask_again", "say_missed", "more", "go_on",
    "summary", "summary_check", "summary_missed", "validate", "empathy", "empathy_check",
    "empathy_missed", "empathy_mirror", "thanks_round", "switch", "close", "goodbye", "gift",
    "gift_thanks", "flooding", "flooding_time", "paused", "resumed", "time_out", "one_ready",
    "reminder", "silence_pause", "skipped", "pause_for_mirror", "slow_down", "one_at_a_time",
    "care_danger", "care_self_harm", "care_break", "care_check_in",
)


def required_cues() -> tuple[str, ...]:
    keys = list(ENGINE_CUES)
    for e in EXERCISES.values():
        keys.append(e.intro)
        for p in e.phases:
            keys += list(p.stems) + ([p.key] if p.key else [])
    return tuple(dict.fromkeys(keys))
