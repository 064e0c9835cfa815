"""How well a mirror carries the sender's piece back: pure scoring of two transcripts.

A mirror is good when the receiver says back what the sender said, in the sender's words or near
them, and adds nothing of their own. So both texts become content words (lower case, contractions
expanded, numbers as digits, stop words and pronouns dropped so "I felt" and "you felt" agree,
Snowball stems), and each side's words are looked for in the other with some slack: the small
speech model mishears ("calling" as "call in", "alone" as "a lone", "diner" for "dinner"), and a
few feeling words have near-synonyms that keep the meaning ("scared", "afraid").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from rapidfuzz.distance import Levenshtein

from ..dialogue.phrasebook import normalise
from ..text import spelt_out

GOOD, PARTIAL, ADDS, UNSCORED = "good", "partial", "adds", "unscored"


@dataclass(frozen=True)
class FidelityParams:
    # Carrying back seven in ten of the sender's content words is a good mirror: paraphrases and
    # the small model's slips cost a word or two in a piece of six to ten.
    good_recall: float = 0.7
    # Three or more words of the receiver's own, making up at least a third of the mirror, is an
    # interpretation: a paraphrase or a mishearing adds one or two, a "because you think..." more.
    adds_min_words: int = 3
    adds_min_share: float = 0.3
    # The feedback line names at most this many words: one kind hint, not a list of faults.
    feedback_words: int = 2


@dataclass(frozen=True)
class MirrorScore:
    """One mirror against the piece it mirrors. Words are in the speaker's own (normalised) form."""

    recall: float  # share of the sender's content words the mirror carried back
    carried: tuple[str, ...]
    missed: tuple[str, ...]
    added: tuple[str, ...]  # the receiver's content words that the sender never said
    mirror_words: int  # the receiver's content words, the "let me see if I got that" left out

    @property
    def scorable(self) -> bool:
        """False when the piece had no content words (empty, or a transcript not there yet)."""
        return bool(self.carried or self.missed)

    @property
    def added_share(self) -> float:
        return len(self.added) / self.mirror_words if self.mirror_words else 0.0

    def label(self, params: FidelityParams | None = None) -> str:
        """'good', 'partial' or 'adds' (interpretation crept in; it outranks a low recall)."""
        p = params or FidelityParams()
        if not self.scorable:
            return UNSCORED
        if len(self.added) >= p.adds_min_words and self.added_share >= p.adds_min_share - 1e-9:
            return ADDS
        return GOOD if self.recall >= p.good_recall - 1e-9 else PARTIAL

    def log_fields(self, params: FidelityParams | None = None) -> dict[str, object]:
        """The fields of a "fidelity" note in the session log (detail is the label)."""
        return {"detail": self.label(params), "recall": round(self.recall, 3),
                "missed": list(self.missed), "added": list(self.added)}


# --- words -------------------------------------------------------------------------------------


def _table(text: str) -> list[str]:
    """Word tables are kept as running text: easier to read and extend than list literals."""
    return text.split()


STOP_WORDS = frozenset(_table("""
a about above after again against all am an and any are as at be been before being below between
both but by can could did do does doing done down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just let me
more most my myself of off on once only or other our ours ourselves out over own same she should
so some such than that the their theirs them themselves then there these they this those through
to too under until up very was we were what when where which while who whom why will with would
you your yours yourself yourselves us shall may might must
feel feels feeling felt get gets getting got gotten really also even like well okay ok oh um uh
er ah hmm yeah yes mm something anything everything thing things kind sort bit lot much
"""))
# Negations and absolutes stay content words: "did not call" and "never calls" mean something.

# The receiver's framing, never counted as words they added.
FRAMING = tuple(
    p.split() for p in (
        "let me see if i have got", "let me see if i got", "let me see if i get",
        "let me see if i understood", "let me see if i understand", "let me make sure i got",
        "let me make sure i understood",
        "if i got", "if i have got", "if i understood", "did i get", "did i understand",
        "is there more", "is there anything more", "anything else", "you said", "you are saying",
        "you were saying", "what i heard", "what i hear", "i heard you say", "i hear you say",
        "i am hearing", "in other words",
    )
)

_UNITS = _table("""zero one two three four five six seven eight nine ten eleven twelve thirteen
fourteen fifteen sixteen seventeen eighteen nineteen""")
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_ORDINALS = _table("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth")
_NUMBERS = {w: n for n, w in enumerate(_UNITS)} | _TENS | {"hundred": 100, "thousand": 1000}

# Past forms the stemmer leaves alone, so "came" and "come", "felt" and "feel" agree.
_IRREGULAR = dict(pair.split(":") for pair in _table("""
thought:think said:say told:tell came:come went:go gone:go left:leave made:make knew:know
known:know heard:hear saw:see seen:see took:take taken:take gave:give given:give brought:bring
bought:buy forgot:forget forgotten:forget kept:keep lost:lose meant:mean met:meet ran:run sat:sit
slept:sleep spent:spend spoke:speak spoken:speak stood:stand understood:understand wrote:write
written:write ate:eat eaten:eat began:begin begun:begin broke:break broken:break chose:choose
drove:drive fell:fall fought:fight found:find forgave:forgive hid:hide paid:pay sent:send
threw:throw woke:wake wore:wear taught:teach caught:catch held:hold sold:sell swore:swear
wept:weep did:do had:have
"""))

# Near-synonyms that keep the meaning of a mirror: mostly feeling words, the heart of a piece.
SYNONYMS = (
    "afraid scared frightened fearful terrified", "angry mad furious", "alone lonely isolated",
    "worried anxious nervous concerned", "sad unhappy", "hurt wounded", "tired exhausted drained",
    "upset distressed", "happy glad", "embarrassed ashamed", "ignored overlooked unseen",
    "fight argument argue quarrel", "call phone", "kids children child kid", "job work",
    "dinner supper", "house home", "talk speak chat", "frustrated annoyed irritated",
    "overwhelmed swamped", "mum mom mother", "dad father",
)

_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=8192)
def stem(word: str) -> str:
    """The comparable form of one normalised word: base verb, British -ise, Snowball stem."""
    word = _IRREGULAR.get(word, word)
    if word.isdigit() or re.fullmatch(r"\d+(st|nd|rd|th)", word):
        return word
    word = re.sub(r"iz(e|ed|es|ing|ation)$", r"is\1", word)
    return str(_STEMMER.stemWord(word))


_SYNONYM_OF = {stem(w): n for n, group in enumerate(SYNONYMS) for w in group.split()}


def _ordinal(n: int) -> str:
    return f"{n}th" if 10 <= n % 100 <= 20 else f"{n}" + {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def _numbers(words: list[str]) -> list[tuple[str, str]]:
    """(word, as said) with number words as digits: "two" and "2", "twenty fifth" and "25th" agree."""
    out: list[tuple[str, str]] = []
    for w in words:
        n = _ORDINALS.index(w) + 1 if w in _ORDINALS else _NUMBERS.get(w)
        if n is None:
            out.append((w, w))
            continue
        said = w
        last = out[-1][0] if out else ""
        if 0 < n < 10 and last.isdigit() and int(last) in _TENS.values():  # "twenty five": one number
            n += int(last)
            said = f"{out.pop()[1]} {w}"
        out.append((_ordinal(n) if w in _ORDINALS else str(n), said))
    return out


@dataclass(frozen=True)
class Word:
    text: str  # normalised, numbers as digits
    stem: str
    content: bool
    said: str  # as the speaker said it (lower case), for the feedback line


def words(text: str, ignore: frozenset[str] = frozenset(), mirror: bool = False) -> list[Word]:
    """Every word of `text` in order, marked content or not. `ignore` holds extra stop words
    (the partners' names); for a mirror, the receiver's framing is not content."""
    out: list[Word] = []
    for sentence in re.split(r"[.!?;:]+", text):
        raw = [x for w in normalise(sentence).replace("-", " ").split() for x in spelt_out(w)]
        ws = _numbers(raw)
        plain = [w for w, _ in ws]
        framing = [False] * len(ws)
        if mirror:
            for phrase in FRAMING:
                n = len(phrase)
                for i in range(len(ws) - n + 1):
                    if plain[i : i + n] == phrase:
                        framing[i : i + n] = [True] * n
            # "Let me see if I got mad": a framing sentence with one misheard word left over.
            if framing and framing[0] and sum(not f for f in framing) <= 1:
                framing = [True] * len(ws)
        for (w, said), f in zip(ws, framing, strict=True):
            content = not f and w not in STOP_WORDS and w not in ignore
            out.append(Word(w, stem(w), content, said))
    return out


def near(a: str, b: str) -> bool:
    """Two stems that count as the same word: equal, near-synonyms, or one slip apart. Words under
    five letters must be equal: one letter turns "come" into "home" and "sad" into "mad"."""
    if a == b:
        return True
    if a in _SYNONYM_OF and _SYNONYM_OF[a] == _SYNONYM_OF.get(b):
        return True
    shortest = min(len(a), len(b))
    if a.isdigit() or b.isdigit() or shortest < 5:
        return False
    allowed = 2 if shortest >= 8 else 1
    return Levenshtein.distance(a, b, score_cutoff=allowed) <= allowed


def _candidates(ws: list[Word]) -> list[tuple[str, tuple[int, ...], bool]]:
    """Content stems, and two neighbours run together ("a lone", "bed time") for a word the model
    split; a joined pair must match exactly (True), as its stem is cut short unpredictably."""
    cands: list[tuple[str, tuple[int, ...], bool]] = [
        (w.stem, (i,), False) for i, w in enumerate(ws) if w.content
    ]
    for i in range(len(ws) - 1):
        joined = ws[i].text + ws[i + 1].text
        if (ws[i].content or ws[i + 1].content) and joined not in STOP_WORDS:
            cands.append((stem(joined), (i, i + 1), True))
    return cands


def _covered(a: list[Word], b: list[Word]) -> set[int]:
    """Indices of the words of `a` that `b` also says."""
    theirs = _candidates(b)
    out: set[int] = set()
    for s, idx, joined in _candidates(a):
        if any(s == t if joined or their_joined else near(s, t) for t, _, their_joined in theirs):
            out.update(idx)
    return out


def _unique(ws: list[Word], keep: set[int], want: bool) -> tuple[str, ...]:
    """Content words (first form of each stem) whose coverage is `want`; a stem is covered if
    any of its occurrences is."""
    covered_stems = {ws[i].stem for i in keep if ws[i].content}
    seen: dict[str, str] = {}
    for w in ws:
        if w.content and w.stem not in seen and (w.stem in covered_stems) == want:
            seen[w.stem] = w.said
    return tuple(seen.values())


def score(piece: str, mirror: str, names: tuple[str, ...] = ()) -> MirrorScore:
    """Score `mirror` against the `piece` it mirrors; `names` (the partners') are not content."""
    ignore = frozenset(normalise(n) for n in names)
    s, m = words(piece, ignore), words(mirror, ignore, mirror=True)
    heard = _covered(s, m)
    carried, missed = _unique(s, heard, True), _unique(s, heard, False)
    added = _unique(m, _covered(m, s), False)
    mirror_words = len({w.stem for w in m if w.content})
    total = len(carried) + len(missed)
    return MirrorScore(len(carried) / total if total else 0.0, carried, missed, added, mirror_words)


def _key(said: str) -> str:
    return " ".join(stem(w) for w, _ in _numbers(said.split()))


def combine(scores: list[MirrorScore] | tuple[MirrorScore, ...]) -> MirrorScore:
    """One score for a round of several mirrors: a word missed once and caught later is caught."""
    carried = tuple(dict.fromkeys(w for sc in scores for w in sc.carried))
    got = {_key(w) for w in carried}
    missed = tuple(dict.fromkeys(w for sc in scores for w in sc.missed if _key(w) not in got))
    added = tuple(dict.fromkeys(w for sc in scores for w in sc.added))
    total = len(carried) + len(missed)
    mirror_words = sum(sc.mirror_words for sc in scores)
    return MirrorScore(len(carried) / total if total else 0.0, carried, missed, added, mirror_words)


# --- the one kind line ---------------------------------------------------------------------------

def feedback_line(
    sc: MirrorScore, sender: str, wording: Mapping[str, str], params: FidelityParams | None = None,
) -> str | None:
    """One short, kind line about a mirror (or a round, see `combine`); None if nothing to say.
    `wording`: the parts of the line, the [feedback] table of the coach's words (cues/en.toml),
    so that no word of it, nor its punctuation, is written here."""
    p = params or FidelityParams()
    if not sc.scorable:
        return None
    if sc.recall >= 1.0 - 1e-9:
        part = "all"
    elif sc.recall >= p.good_recall - 1e-9:
        part = "most"
    else:
        part = "part" if sc.recall >= 0.3 else "little"
    head = wording[part].format(sender=sender)
    if sc.label(p) == ADDS:
        then = wording["added"].format(words=_quote(_salient(sc.added), wording, p), sender=sender)
    elif sc.missed:
        then = wording["missed"].format(words=_quote(_salient(sc.missed), wording, p), sender=sender)
    else:
        return wording["line"].format(head=head)
    return wording["line_and"].format(head=head, then=then)


# Content words too plain to be worth naming first in the feedback line.
_PLAIN = frozenset(_table("""because without instead rather not no never always now then used take
make think means"""))


def _salient(ws: tuple[str, ...]) -> tuple[str, ...]:
    """Feeling words first, since they are what the sender most needs heard; plain words last."""
    return tuple(sorted(ws, key=lambda w: (_key(w) not in _SYNONYM_OF, w in _PLAIN)))


def _quote(ws: tuple[str, ...], wording: Mapping[str, str], p: FidelityParams) -> str:
    return wording["between"].join(wording["word"].format(word=w) for w in ws[: p.feedback_words])
