"""Which cues a session will say, in the order it will most likely need them.

The first cues are rendered at once and the rest in the background (voice.Voice.prefetch), so
the background should reach each cue before the dialogue does: the exercise's own flow first
(intro, first prompt, prompt_mirror, check, more, go_on...), with the partners' names as they
will be at that point, then the second sender's round, then every other cue for both role orders
(commands, reminders), which may be needed at any time. Two kinds come right after the first
round: the care messages (when a partner speaks of danger, the coach must not make them wait while
it renders) and the slow-down's (a talkative first sender is stopped in the first piece: rendered
on demand, "Let's pause there..." came 0.6 s late on a cold cache and was said over the rest of it).
"""

from __future__ import annotations

from ..dialogue.exercises import Exercise, Phase
from ..dialogue.phrasebook import Phrasebook
from ..dialogue.protocol import Dialogue, Say

# The cues of each kind of phase, in the order a round goes (answers as hoped: "yes", "that's all").
_PHASE_CUES = {
    "appointment": ("appointment",),
    "summary": ("summary", "summary_check"),
    "validate": ("validate",),
    "empathy": ("empathy", "empathy_check", "empathy_mirror"),
    "thanks": ("thanks_round",),
    "gift": ("gift", "gift_thanks"),
    "flood": ("flooding", "flooding_time"),
}
_PIECE_CUES = ("prompt_mirror", "check")
_SOON_CUES = ("care_danger", "care_self_harm", "pause_for_mirror", "slow_down", "one_at_a_time")
_FIRST_ROUND = 6  # cues of the opening and the first round, before those


def _phase_keys(phase: Phase) -> list[str]:
    if phase.kind == "pieces":
        keys: list[str] = []
        for stem in phase.stems or ("sender_starts",):
            keys += [stem, *_PIECE_CUES]
        if phase.ask_more:
            keys += ["more", "go_on"]
        return keys
    if phase.kind == "say":
        return [phase.key]
    return list(_PHASE_CUES.get(phase.kind, ()))


_HELLO_CUES = (("hello", False), ("hello_next", True), ("hello_keep", False), ("hello_kept", False),
               ("hello_not_kept", False), ("hello_again", False), ("hello_again", True))


def flow(exercise: Exercise, first_use: bool, hello: bool = False) -> list[tuple[str, bool]]:
    """(cue key, said with the roles swapped) in the order a session goes through them."""
    out: list[tuple[str, bool]] = [("safety_note", False)] if first_use else []
    out.append((exercise.intro, False))
    if hello:
        out += _HELLO_CUES
    for sender in range(exercise.senders):
        swapped = sender % 2 == 1
        if swapped:
            out.append(("switch", True))
        for phase in exercise.phases:
            if not (swapped and phase.first_sender_only):
                out += [(key, swapped) for key in _phase_keys(phase)]
    out.append(("close", exercise.senders % 2 == 0))
    return out


def likely_texts(
    book: Phrasebook, exercise: Exercise, sender: str, receiver: str, fields: dict[str, str], first_use: bool,
    hello: bool = False,
) -> list[str]:
    """Every cue's wording for this couple, the likeliest first, each once."""
    def text(key: str, swapped: bool) -> str:
        a, b = (receiver, sender) if swapped else (sender, receiver)
        return book.say(key, a, b, **fields)

    ordered = [text(k, swapped) for k, swapped in flow(exercise, first_use, hello) if k in book.cues]
    first_round = _FIRST_ROUND + (len(_HELLO_CUES) if hello else 0)
    ordered[first_round:first_round] = [text(k, False) for k in _SOON_CUES if k in book.cues]
    ordered += [text(k, swapped) for swapped in (False, True) for k in book.cues]
    return list(dict.fromkeys(ordered))


def opening_texts(protocol: Dialogue, book: Phrasebook, fields: dict[str, str]) -> list[str]:
    """The wording of the cues `protocol.start()` says: the coach's first sound. `protocol` is a
    fresh one made for this (start() moves it on)."""
    return [book.say(d.key, d.sender, d.receiver, **fields) for d in protocol.start() if isinstance(d, Say)]
