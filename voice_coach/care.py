"""Words that tell of danger: violence, fear of the partner, threats, thoughts of self-harm.

The Imago Dialogue is not for a relationship in danger, and a coach that asks for a mirror of "you
pushed me against the wall" does harm. When a partner's words tell of danger, the coach stops the
exercise and says where to find help (protocol.py, `Dialogue.on_danger`).

A curated set of phrases, each with its context, rather than a word list: "killing me", "I could
kill for a coffee", "I felt hurt when you forgot", "I'm afraid we'll be late", "you pushed me to
take the job", "it hit me that..." and "you never hit me" are near misses, and a coach that stops
a tender moment for nothing will not be used twice. Measured on sentences written for it, spoken
by two voices and heard by the shipped model (scripts/bench_care.py; docs/benchmarks.md, "Care").

Pure: text in, a kind of danger out; no I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

VIOLENCE, FEAR, THREAT, SELF_HARM = "violence", "fear", "threat", "self_harm"
KINDS = (VIOLENCE, FEAR, THREAT, SELF_HARM)

_CONTRACTIONS = [
    (r"\bwon't\b", "will not"), (r"\bcan't\b", "can not"), (r"\bcannot\b", "can not"),
    (r"\bain't\b", "am not"), (r"n't\b", " not"), (r"'m\b", " am"), (r"'re\b", " are"),
    (r"'ve\b", " have"), (r"'ll\b", " will"), (r"'d\b", " would"), (r"\b(he|she|it|that)'s\b", r"\1 is"),
]
_NEGATORS = {"not", "never", "no", "nobody", "nothing", "neither", "nor"}

# Who can do harm, and to whom.
_AGENT = r"(?:you|he|she|they|my (?:husband|wife|partner|boyfriend|girlfriend|ex|father|mother|dad|mum|mom))"
_VICTIM = (r"(?:me|us|the (?:kids|children|baby|dog)|our (?:son|daughter|kids|children|baby)|"
           r"my (?:face|head|arm|arms|neck|throat|wrist|wrists|hair|body))")
_HARM = r"(?:kill|hurt|hit|harm|beat|attack|strangle|choke|stab|shoot|punch)"
_BETWEEN = r"(?:\w+ ){0,3}?"  # a few words between the agent and the verb ("you have once ...")
_STRIKE = (r"(?:hit|hits|hitting|punch(?:ed|es|ing)?|slap(?:ped|s|ping)?|kick(?:ed|s|ing)?|"
           r"chok(?:e|ed|es|ing)|strangl(?:e|ed|es|ing)|beat(?:s|en|ing)?(?: up)?|smack(?:ed|s|ing)?|"
           r"shov(?:e|ed|es|ing)|shook|shake|shakes|rap(?:e|ed|es)|assault(?:ed|s)?|stab(?:bed|s)?|"
           r"burn(?:ed|t|s)|bit|bite|bites|attack(?:ed|s)?|hurt (?:\w+ )?physically|physically hurt|"
           r"threw (?:\w+ ){0,3}?at|throw (?:\w+ ){0,3}?at|throws (?:\w+ ){0,3}?at)")

_PATTERNS: list[tuple[str, str]] = [
    # violence
    (VIOLENCE, rf"\b{_AGENT} {_BETWEEN}{_STRIKE} {_VICTIM}\b"),
    (VIOLENCE, rf"\b{_AGENT} {_BETWEEN}(?:push|pushed|pushes|pushing|shove|shoved|threw|throws|slammed|"
               r"slams|dragged|drags) (?:me|us) (?:against|down|over|onto|off|out of|across|to the "
               r"(?:floor|ground)|into (?:the |a )?(?:wall|door|table|floor|car|cupboard|counter))\b"),
    (VIOLENCE, rf"\b{_AGENT} {_BETWEEN}(?:grabbed|grabs|grab|held|holds|pinned|pins) (?:me )?(?:by )?"
               r"(?:the |my )?(?:throat|neck|hair|wrist|wrists|arm|arms)\b"),
    (VIOLENCE, rf"\b{_AGENT} {_BETWEEN}(?:held|holds|pinned|pins) me (?:down|against|to the)\b"),
    (VIOLENCE, rf"\b{_AGENT} {_BETWEEN}(?:laid|lays|put|puts|raised|raises) (?:a|your|his|her|their) "
               r"hands? (?:on|to|at) me\b"),
    (VIOLENCE, rf"\b{_AGENT} {_BETWEEN}forced (?:me|himself|herself|yourself) "
               r"(?:to have sex|on me|into sex)"),
    (VIOLENCE, r"\b(?:i|we) (?:was|were|have been|got|get|am|are) (?:\w+ )?(?:hit|beaten|slapped|"
               r"punched|kicked|choked|strangled|raped|assaulted) by (?:you|him|her|my)\b"),
    (VIOLENCE, r"\bbruises? (?:you|he|she|on my|from when)\b"),
    # fear of the partner
    (FEAR, r"\b(?:i|we) (?:am|was|were|are|have been|get|got|feel|felt|become|became)(?: \w+){0,2}? "
           r"(?:afraid|scared|frightened|terrified) (?:of you|of him|of her|of my (?:husband|wife|"
           r"partner|boyfriend|girlfriend)|of what (?:you|he|she) (?:might|will|would|could) do|for my "
           r"(?:life|safety)|to come home|to go home)\b"),
    (FEAR, rf"\b(?:afraid|scared|frightened|terrified|fear|feared) (?:that )?{_AGENT} (?:will|would|"
           rf"might|could|are going to|is going to|was going to|were going to) (?:\w+ ){{0,2}}?{_HARM}\b"),
    (FEAR, r"\b(?:feared|fear) for my (?:life|safety)\b"),
    (FEAR, r"\b(?:do not|did not|never|no longer) feel safe (?:at home|in (?:this|our|my|the) (?:house|"
           r"home|flat|apartment|bed)|around you|around him|around her|with you(?! to)|with him|with "
           r"her|when you (?:drink|are drunk|get angry|shout))"),
    (FEAR, r"\bfeel unsafe (?:at home|around you|with you(?! to)|in (?:this|our|my|the) "
           r"(?:house|home|flat))"),
    (FEAR, r"\b(?:i|we) (?:lock|locked|hide|hid) (?:myself |ourselves )?(?:in the (?:bathroom|bedroom|"
           r"car)|from you|from him|from her)\b"),
    # threats
    (THREAT, rf"\b{_AGENT} {_BETWEEN}(?:threaten|threatened|threatens|threatening) (?:to )?(?:me|us|"
             rf"{_HARM}|take the (?:kids|children) and)\b"),
    (THREAT, rf"\b{_AGENT} (?:said|says|told me|swore|shouted|screamed) (?:that )?{_AGENT} (?:would|will|"
             rf"are going to|is going to|was going to|were going to|could) (?:\w+ ){{0,2}}?{_HARM} "
             rf"(?:me|us|the kids|the children|yourself|himself|herself)\b"),
    (THREAT, r"\b(?:knife|gun|weapon|pistol|rifle|blade)s? (?:\w+ ){0,3}?(?:at me|at us|to my|against "
             r"my|on me|in my face)\b"),
    (THREAT, rf"\b{_AGENT} {_BETWEEN}(?:pointed|held|waved|pulled) (?:a|the|your|his|her|their) "
             r"(?:knife|gun|weapon|pistol|rifle)\b"),
    # thoughts of self-harm
    (SELF_HARM, r"\b(?:kill|killing|hurt|hurting|harm|harming|cut|cutting|end) myself\b(?! laughing)"),
    (SELF_HARM, r"\b(?:end|ending|take|taking) my (?:own )?life\b"),
    (SELF_HARM, r"\bend (?:it all|everything)\b"),
    (SELF_HARM, r"\bsuicidal\b"),
    (SELF_HARM, r"\b(?:thought|thinking|think|thoughts|think about|thought about)(?: \w+)? (?:about|of) "
                r"(?:suicide|dying|not being here|not being alive|ending (?:it|things|my life))\b"),
    (SELF_HARM, r"\b(?:do not|no longer|never) want to (?:live|be alive|be here|exist|wake up|go on)"
                r"(?! like| with| in| here with| this| that| without)\b"),
    (SELF_HARM, r"\bwant(?:ed|s)? to die\b(?! of| laughing| from| when| because| for| with)"),
    (SELF_HARM, r"\bwish (?:that )?i (?:was|were) dead\b"),
    (SELF_HARM, r"\bwish i (?:had )?never (?:been born|woke up|woken up)\b"),
    (SELF_HARM, r"\b(?:better off|be better) (?:dead|without me)\b"),
    (SELF_HARM, r"\bno (?:reason|point) (?:to|in) (?:live|living|going on|being alive)\b"),
]
_COMPILED = [(kind, re.compile(pattern)) for kind, pattern in _PATTERNS]


def normalise(text: str) -> str:
    """Lower case, contractions spelt out, punctuation gone but clause ends kept as ' | '."""
    s = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    for pattern, repl in _CONTRACTIONS:
        s = re.sub(pattern, repl, s)
    s = re.sub(r"[.!?;:,\u2014\u2013]+|\s-\s|\bbut\b", " | ", s)
    s = re.sub(r"[^a-z0-9'| ]+", " ", s)
    s = re.sub(r"\b(?:um+|uh+|er+m?|hmm+|like)\b", " ", s)  # fillers and "like" between words
    return " ".join(s.split())


def _negated(clause: str, start: int, end: int) -> bool:
    """'you never hit me', 'I am not afraid of you', 'not suicidal': the span or the two words
    before it hold a negation. A phrase whose danger is a negation ("I do not feel safe") counts
    only the words before it."""
    span = clause[start:end].split()
    if span and span[0] in _NEGATORS | {"do", "did", "no"} and span[0] != "nothing":
        span = []
    before = clause[:start].split()[-2:]
    return any(w in _NEGATORS for w in before + span)


def danger(text: str) -> str | None:
    """The kind of danger `text` tells of (violence, fear, threat, self_harm), or None."""
    for clause in normalise(text).split("|"):
        clause = clause.strip()
        for kind, pattern in _COMPILED:
            for m in pattern.finditer(clause):
                if not _negated(clause, m.start(), m.end()):
                    return kind
    return None


@dataclass
class CareWatch:
    """Reads each turn's words as they come (piece by piece, then whole), so that danger is heard
    as soon as it is said; each turn is flagged once."""

    _words: dict[int, str] = field(default_factory=dict)
    _flagged: set[int] = field(default_factory=set)

    def on_piece(self, turn: int, text: str) -> str | None:
        self._words[turn] = f"{self._words.get(turn, '')} {text}".strip()
        return self._check(turn, self._words[turn])

    def on_turn(self, turn: int, text: str) -> str | None:
        self._words.pop(turn, None)
        found = self._check(turn, text)
        self._flagged.discard(turn)
        return found

    def _check(self, turn: int, text: str) -> str | None:
        if turn in self._flagged:
            return None
        kind = danger(text)
        if kind is not None:
            self._flagged.add(turn)
        return kind
