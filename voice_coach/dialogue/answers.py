"""Understands short spoken answers and commands from (imperfect) transcripts."""

from __future__ import annotations

from rapidfuzz import fuzz

from .phrasebook import Phrasebook, normalise

# A reply this long that matched no answer phrase is the speaker going on with their piece.
GOING_ON_WORDS = 6
# A reply that matched an answer phrase is a whole answer only this short ("Yes, you got all of
# it."); a longer one may be on its way somewhere else and is waited for as a piece is.
SHORT_ANSWER_WORDS = 8


def contains_phrase(text: str, phrase: str) -> bool:
    words, want = normalise(text).split(), phrase.split()
    n = len(want)
    return n > 0 and any(words[i : i + n] == want for i in range(len(words) - n + 1))


def first_match(text: str, book: Phrasebook, order: tuple[str, ...]) -> str | None:
    """The first answer kind in `order` that has a phrase in `text`."""
    for kind in order:
        if any(contains_phrase(text, p) for p in book.answers.get(kind, ())):
            return kind
    return None


def did_they_get_it(text: str, book: Phrasebook) -> str | None:
    """'yes', 'partly', 'no', 'going_on' or None, for the answer to "did they get it?"."""
    kind = first_match(text, book, ("partly", "no", "yes"))
    if kind is None and len(normalise(text).split()) >= GOING_ON_WORDS:
        return "going_on"
    return kind


def is_there_more(text: str, book: Phrasebook) -> str | None:
    """'more', 'done', 'going_on' or None, for the answer to "is there more?"."""
    kind = first_match(text, book, ("done", "more", "no", "yes"))
    if kind is None:
        return "going_on" if len(normalise(text).split()) >= GOING_ON_WORDS else None
    return {"no": "done", "yes": "more"}.get(kind, kind)


# A closing question counts only at the very end: these few words may follow it ("... did I get
# it, love?", "did I get it right?").
HAND_BACK_TAIL = 2


def hands_back(text: str, book: Phrasebook) -> bool:
    """Whether `text` ends with a closing question that hands the turn back ("... Did I get it?").
    A wording file without `hand_back` phrases has none: those turns are held like a piece."""
    words = normalise(text).split()
    return any(contains_phrase(" ".join(words[-(len(p.split()) + HAND_BACK_TAIL):]), p)
               for p in book.answers.get("hand_back", ()))


def yes_or_no(text: str, book: Phrasebook) -> str | None:
    """'yes', 'no' or None: for questions with no middle ground ("is now a good time?")."""
    kind = first_match(text, book, ("no", "partly", "yes"))
    return {"partly": "no"}.get(kind or "", kind)


# Commands that are distinctive enough to count anywhere in what was said; the others count
# only when they are nearly all that was said ("I had to pause at work" is not a command).
ANYWHERE = ("stop", "time_out")
EXTRA_WORDS = 2


def command(text: str, book: Phrasebook, timeout_word: str = "time out") -> str | None:
    words = normalise(text).split()
    table = {**book.commands, "time_out": (normalise(timeout_word),)}
    for name in (*ANYWHERE, *(n for n in table if n not in ANYWHERE)):
        for phrase in table.get(name, ()):
            short = len(words) <= len(phrase.split()) + EXTRA_WORDS
            if contains_phrase(text, phrase) and (name in ANYWHERE or short):
                return name
    if len(words) <= 2:  # a one-word command the small model misheard: "Refume."
        for name, phrases in table.items():
            if any(_near(w, p) for p in phrases if " " not in p and len(p) >= 5 for w in words):
                return name
    return None


def _near(word: str, target: str) -> bool:
    return fuzz.ratio(word, target) >= 80.0
