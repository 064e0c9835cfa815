"""Is the partner's thought finished? How long to wait in a pause before the coach answers.

Silence alone cannot both wait out a 2.5 s search for words and answer quickly after a finished
thought, so each pause is judged twice: by the Smart Turn model (does the audio so far sound
finished? a probability that reaches the turn detector as a value, never by a call from here) and
by the last words of the partial transcript (a piece ending in "and..." or "because..." is not
finished). The coach answers after a short pause when the judgement says "complete", waits longer
when it is unsure or has none yet, and longest when either says "not finished".

Pure: no I/O, no clock, no model. The figures behind the defaults are in docs/benchmarks.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from ..text import folded


class Words(str, Enum):
    """What the partial transcript of the current pause says about the thought."""

    PENDING = "pending"  # not transcribed yet
    UNFINISHED = "unfinished"  # ends in "and", "because", "the", "to", a comma, "..."
    OPEN = "open"  # no full stop, or ends in "is", "was", "have": probably more to come
    NO_SIGN = "no sign"  # nothing against a finished thought
    ANSWER = "answer"  # already all the step asked for: "yes", "that's all", a command


# Words after which an English sentence practically never ends: articles and possessives,
# conjunctions, most prepositions, hesitation sounds. Words that often do end one ("that", "so",
# "too", "before", "in", "on", "you", "it") and the answers the coach waits for ("no", "yes",
# "mm-hmm", "really") are left out: a wrong "unfinished" costs waiting at the end of every turn
# that ends that way.
UNFINISHED_WORDS = frozenset({
    "a", "an", "the", "my", "your", "his", "her", "our", "their", "its", "every",
    "and", "but", "or", "nor", "because", "cause", "cuz", "coz", "if", "when", "whenever", "while",
    "although", "unless", "until", "till", "whether", "than", "as", "where", "which", "whose", "whom",
    "of", "to", "for", "with", "from", "by", "at", "about", "into", "onto", "towards", "toward",
    "without", "between", "upon", "like",
    "i", "i'm", "i've", "i'd", "we're", "you're", "they're", "it's", "i'll",
    "um", "uh", "er", "erm", "uhm",
    "very", "just", "even",
})

# Words that end a sentence now and then ("that's who I am"), but more often lead on.
OPEN_WORDS = frozenset({
    "is", "are", "was", "were", "am", "be", "been", "being", "have", "has", "had",
    "will", "would", "can", "could", "should", "not",
})

_TRAILING_MARKS = ("...", "…", ",", ";", ":", "-", "–", "—")


def _words_of(text: str | None) -> tuple[str, list[str]]:
    """The transcript folded and trimmed, and its words."""
    t = folded(text or "").strip()
    return t, re.findall(r"[a-z']+", t)


def judge_words(text: str | None) -> Words:
    """Read the end of a partial transcript."""
    t, words = _words_of(text)
    if not t:
        return Words.NO_SIGN
    if t.endswith(_TRAILING_MARKS):
        return Words.UNFINISHED
    last = words[-1].strip("'") if words else ""
    if last in UNFINISHED_WORDS:
        return Words.UNFINISHED
    # Whisper ends a finished sentence with a full stop, a question or exclamation mark.
    if last in OPEN_WORDS or not t.endswith((".", "?", "!")):
        return Words.OPEN
    return Words.NO_SIGN


def judge_reply(text: str | None, answer: bool = False, asked: bool = False) -> Words:
    """Read the end of a partial transcript knowing what the step asked for: `answer`, the words
    already are all of it (the protocol reads them); `asked`, the step asked a question. One word
    that does not answer the question ("Hmm.", or whatever Whisper makes of it) is a reply not yet
    begun, however finished it sounds: Smart Turn hears a lone syllable as finished about as often
    as not, and a partner thinking after it must not be cut off."""
    words = judge_words(text)
    if answer and words is not Words.UNFINISHED:
        return Words.ANSWER
    if asked and words is Words.NO_SIGN and len(_words_of(text)[1]) <= 1:
        return Words.OPEN
    return words


@dataclass(frozen=True)
class EndRule:
    """How much silence ends a turn, given what is known about the pause.

    The Smart Turn probability falls in one of three bands: complete (at least `complete_above`),
    unfinished (below `unfinished_below`) or unsure (between). A pause judged complete ends after
    `complete` seconds, but only once the words have had their say (with `use_words`): until the
    transcript arrives it counts as unsure, so a slow transcript costs time, never a cut-off.
    Words that already are a whole answer (`Words.ANSWER`) end it after `answer` seconds, whatever
    the model says once it has judged: nothing more is owed, Smart Turn is unreliable on a word or
    two ("No. I'm finished." 0.52 and "Yes." 0.40 in the live room, both then kept waiting 2.8 s),
    and a partner who does go on is heard as going on (the answer is taken back).
    """

    unsure: float = 2.8  # no judgement (yet), or an unsure one
    complete: float = 0.6  # the model says finished and the words agree
    unfinished: float = 2.8  # the model or the words say not finished: outlast a 2.5 s pause
    answer: float = 0.6  # the model says finished and the words are a whole answer
    complete_above: float = 0.7
    unfinished_below: float = 0.5
    use_words: bool = True

    def sounds_finished(self, probability: float | None, words: Words) -> bool:
        """Whether the pause is one the quick end would take: the model says finished and the
        words do not say otherwise (or are not known yet), or the words are a whole answer."""
        if probability is None:
            return False
        if self.use_words and words is Words.ANSWER:
            return True
        if probability < self.unfinished_below:
            return False
        return probability >= self.complete_above and (
            not self.use_words or words in (Words.NO_SIGN, Words.PENDING))

    def silence_needed(self, probability: float | None, words: Words = Words.PENDING) -> float:
        """Seconds of silence after which the turn is over."""
        if self.use_words and words is Words.UNFINISHED:
            return max(self.unfinished, self.unsure)
        if probability is None:
            return self.unsure
        if self.use_words and words is Words.ANSWER:
            return min(self.answer, self.complete)
        if probability < self.unfinished_below:
            return self.unfinished
        if probability >= self.complete_above and (not self.use_words or words is Words.NO_SIGN):
            return self.complete
        return self.unsure
