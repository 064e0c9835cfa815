"""The first steps of every reading of words: one function each, so the readers cannot drift apart."""

from __future__ import annotations

import re


def folded(text: str) -> str:
    """Lower case, with the typographic apostrophe straightened: Whisper writes "Don’t" as often
    as "don't", and every reader (answers, mirrors, danger, a pause's last words) must see one."""
    return text.lower().replace("\u2019", "'")


# Contractions spelt out, one table for every reader that compares words (a mirror with its piece,
# a partner's words with the care phrases, blame): "don't" and "do not" must read alike everywhere.
CONTRACTIONS = {
    "won't": "will not", "can't": "can not", "cannot": "can not", "shan't": "shall not",
    "ain't": "am not", "let's": "let us", "y'all": "you all", "'cause": "because", "cuz": "because",
    "gonna": "going to", "wanna": "want to", "gotta": "got to", "kinda": "kind of", "sorta": "sort of",
    "dunno": "do not know", "lemme": "let me", "gimme": "give me",
}
_SUFFIXES = (("n't", " not"), ("'re", " are"), ("'ve", " have"), ("'ll", " will"), ("'d", " would"),
             ("'m", " am"))
_IS = frozenset({"it", "that", "he", "she", "there", "here", "what", "who", "where", "how", "when", "why"})


def spelt_out(word: str) -> list[str]:
    """One folded word with its contraction spelt out ("didn't" -> did not, "it's" -> it is); a
    possessive loses its "'s" ("Sam's" -> sam), and quotes around a word come off."""
    if word in CONTRACTIONS:  # before the quotes come off: "'cause"
        return CONTRACTIONS[word].split()
    word = word.strip("'")
    if word in CONTRACTIONS:
        return CONTRACTIONS[word].split()
    for suffix, full in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix):
            return (word[: -len(suffix)] + full).split()
    if word.endswith("'s"):
        base = word[:-2]
        return [base, "is"] if base in _IS else [base]
    return [word] if word else []


def plain(text: str) -> str:
    """What a word error rate compares, in every benchmark and test alike: the words folded, with
    their apostrophes but no other punctuation."""
    return " ".join(re.sub(r"[^\w\s']", " ", folded(text)).split())
