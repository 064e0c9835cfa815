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

# Who can do harm, and to whom ("I ... you" is a receiver's mirror of it, or a confession).
_AGENT = (r"(?:you|he|she|they|my (?:husband|wife|partner|boyfriend|girlfriend|ex|father|mother|dad|mum|"
          r"mom|stepfather|stepdad))")
_VICTIM = (r"(?:me|us|the (?:kids|children|baby|dog|cat)|our (?:son|daughter|kids|children|baby|dog)|"
           r"my (?:face|head|arm|arms|neck|throat|wrist|wrists|hair|body|stomach|back))")
_HARM = (r"(?:kill|hurt|hit|harm|beat|attack|strangle|choke|stab|shoot|punch|burn|poison|drown|"
         r"break (?:my|your|his|her) \w+)")
_MODAL = r"(?:will|would|might|could|can|are going to|is going to|was going to|were going to|want to)"
_BETWEEN = r"(?:\w+ ){0,3}?"  # a few words between the agent and the verb ("you have once ...")
_STRIKE = (r"(?:hit|hits|hitting|punch(?:ed|es|ing)?|slap(?:ped|s|ping)?|kick(?:ed|s|ing)?|"
           r"chok(?:e|ed|es|ing)|strangl(?:e|ed|es|ing)|beat(?:s|en|ing)?(?: up)?|smack(?:ed|s|ing)?|"
           r"shov(?:e|ed|es|ing)|shook|shake|shakes|rap(?:e|ed|es)|assault(?:ed|s)?|stab(?:bed|s)?|"
           r"burn(?:ed|t|s)|bit|bite|bites|attack(?:ed|s)?|spat on|spit on|hurt (?:\w+ )?physically|"
           r"physically hurt|restrain(?:ed|s)?|tied|knocked|twisted|pulled|yanked|"
           r"thr(?:ew|ow|ows|owing) (?:\w+ ){0,3}?at)")
_PLACE = r"(?:wall|door|floor|ground|table|car|cupboard|counter|stairs|bed|fridge|mirror|window|corner)"
# A spoken "safe" is often about the talk itself in this practice ("I don't feel safe telling you").
_TALK = (r"(?:to|telling|sharing|talking|saying|speaking|opening|being|crying|emotionally|expressing|"
         r"bringing|raising|asking|in (?:this|the|our) (?:conversation|dialogue|talk|exercise))")

_PATTERNS: list[tuple[str, str]] = [
    # violence
    (VIOLENCE, rf"\b{_AGENT} {_BETWEEN}{_STRIKE} {_VICTIM}\b"),
    (VIOLENCE, rf"\bi {_BETWEEN}{_STRIKE} (?:you|your (?:face|head|arm|neck|throat|hair))\b"),
    (VIOLENCE, rf"\b(?:{_AGENT}|i) {_BETWEEN}(?:push|pushed|pushes|pushing|shove|shoved|threw|throw|throws|"
               r"slammed|slams|slam|dragged|drags|drag|knocked|pinned|pins|held|holds) (?:me|us|you) "
               rf"(?:against|down|over|onto|off|out of|across|to the (?:floor|ground)|"
               rf"into (?:the |a )?{_PLACE})"),
    (VIOLENCE, rf"\b{_AGENT} {_BETWEEN}(?:grabbed|grabs|grab|held|holds|pinned|pins|squeezed|twisted|pulled) "
               r"(?:me )?(?:by )?(?:the |my )(?:throat|neck|hair|wrist|wrists|arm|arms)\b"),
    (VIOLENCE, rf"\b{_AGENT} {_BETWEEN}(?:laid|lays|put|puts|raised|raises|lifted) (?:a|your|his|her|their) "
               r"hands? (?:on|to|at|against) me\b"),
    (VIOLENCE, rf"\b{_AGENT} {_BETWEEN}(?:forced|forces|force|made|makes|pressured|pressures) (?:me )?"
               r"(?:to have sex|into (?:having )?sex|(?:himself|herself|yourself) on me|have sex)"),
    (VIOLENCE, r"\b(?:did not|would not|will not|does not) stop when i (?:said|say|told you|told him|told "
               r"her) (?:no|stop)\b"),
    (VIOLENCE, r"\b(?:i|we) (?:was|were|have been|got|get|am|are) (?:\w+ )?(?:hit|beaten|slapped|pushed|"
               r"punched|kicked|choked|strangled|raped|assaulted|shoved|attacked) by (?:you|him|her|my)\b"),
    (VIOLENCE, r"\b(?:bruises?|black eye|marks|a split lip)\b (?:\w+ ){0,4}?(?:you|he|she|gave|left)\b"),
    (VIOLENCE, r"\b(?:i have|i still have|left me with|left) (?:\w+ )?(?:bruises|a bruise|a black eye|marks "
               r"on my)\b"),
    # fear of the partner
    (FEAR, r"\b(?:i|we) (?:am|was|were|are|have been|get|got|feel|felt|become|became)(?: \w+){0,2}? "
           r"(?:afraid|scared|frightened|terrified) (?:of (?:you|him|her)\b|of my (?:husband|wife|"
           r"partner|boyfriend|girlfriend)|of what (?:you|he|she) (?:\w+ )?(?:do|does|did)|for my "
           r"(?:life|safety)|to (?:come|go|be) home|to be alone with (?:you|him|her))"),
    (FEAR, r"\byou (?:are|were|have been|get|feel|felt)(?: \w+){0,2}? (?:afraid|scared|frightened|terrified) "
           r"(?:of me\b|of what i (?:\w+ )?(?:do|did)|for your (?:life|safety)|to (?:come|go|be) home)"),
    (FEAR, rf"\b(?:afraid|scared|frightened|terrified|fear|feared|worried|worry) (?:that )?(?:{_AGENT}|i) "
           rf"{_MODAL} (?:\w+ ){{0,4}}?{_HARM}\b"),
    (FEAR, r"\b(?:feared|fear|fearing|afraid|scared) for (?:my|your|our) (?:life|lives|safety)\b"),
    (FEAR, rf"\b(?:do not|did not|never|no longer) feel (?:physically |completely |really )?safe"
           rf"(?! {_TALK})\b"),
    (FEAR, rf"\bfeel (?:physically )?unsafe(?! {_TALK})\b"),
    (FEAR, r"\b(?:lock|locked|locking|hide|hid|hiding) (?:myself|the kids|the children|ourselves|us)? ?"
           r"(?:in (?:the|a|their|my|our) (?:bathroom|bedroom|car|room)|from (?:you|him|her))\b"),
    (FEAR, r"\bin case (?:i|we) (?:need|have|had) to (?:call|phone|run|get out|leave)\b"),
    (FEAR, r"\b(?:called|call|calling|phoned|phone) the police (?:on (?:you|him|her)|because (?:of )?"
           r"(?:you|him|her)|when (?:you|he|she))"),
    # threats
    (THREAT, rf"\b{_AGENT} {_BETWEEN}(?:threaten|threatened|threatens|threatening) (?:to )?(?:me|us|"
             rf"{_HARM}|take the (?:kids|children) and)\b"),
    (THREAT, rf"\b{_AGENT} (?:\w+ )?(?:said|says|told me|swore|shouted|screamed|texted|warned|promised) "
             rf"(?:me )?(?:that )?(?:if [a-z' ]{{0,50}}? )?(?:{_AGENT}|i) (?:\w+ )?{_MODAL} (?:\w+ ){{0,3}}?"
             rf"{_HARM}\b"),
    (THREAT, r"\bnever see (?:them|the kids|the children|me|us|him|her|you) (?:alive|again alive)\b"),
    (THREAT, r"\b(?:knife|knives|gun|guns|weapon|pistol|rifle|blade)\b (?:\w+ ){0,8}?(?:at me|at us|to my|"
             r"against my|on me|in my face|remind|reminds|reminded|point|points|pointed|wave|waves|waved|"
             r"threaten|threatens|threatened|came at|comes at|come at)"),
    (THREAT, rf"\b{_AGENT} {_BETWEEN}(?:pointed|points|held|holds|waved|waves|pulled|pulls|showed|shows) "
             r"(?:a|the|your|his|her|their) (?:knife|gun|weapon|pistol|rifle)\b"),
    (THREAT, rf"\b(?:{_AGENT}|i) {_MODAL} (?:\w+ ){{0,2}}?(?:burn|set fire to) (?:the|our|my|your) "
             r"(?:house|flat|home|car|apartment)"),
    # thoughts of self-harm (and a receiver's mirror of them)
    (SELF_HARM, r"\b(?:kill|killing|hurt|hurting|harm|harming|cut|cutting|end|ending|starve|starving) "
                r"(?:myself|yourself)\b(?! laughing)"),
    (SELF_HARM, r"\b(?:end|ending|ended|take|taking|took) (?:my|your) (?:own )?life\b"),
    (SELF_HARM, r"\bend (?:it all|everything|things)\b"),
    (SELF_HARM, r"\bsuicid(?:al|e)\b"),
    (SELF_HARM, r"\b(?:do not|no longer|never|not) want to (?:be alive|exist|wake up|go on|keep going|"
                r"live(?! like| with| in| here| there| together| apart| near| without| this| that))"),
    (SELF_HARM, r"\b(?:do not|no longer|never|not) want to be here (?:anymore|any more)\b"),
    (SELF_HARM, r"\bwant(?:ed|s)? to die\b(?! of| laughing| from| when| because| for| with)"),
    (SELF_HARM, r"\bwish (?:that )?(?:i|you) (?:was|were) (?:dead|gone|not here|never born)\b"),
    (SELF_HARM, r"\bwish (?:i|you) (?:had )?never (?:been born|woke up|woken up)\b"),
    (SELF_HARM, r"\b(?:better off|be better|be easier|easier for everyone|be simpler) (?:dead|without me|if "
                r"(?:i|you) (?:was|were|was not|were not|wasn't|weren't) (?:gone|here|around|alive|dead))"),
    (SELF_HARM, r"\b(?:better off|easier) (?:\w+ ){0,2}?if (?:i|you) (?:just )?(?:was not|were not|was gone|"
                r"were gone|died|disappeared|was dead|were dead)"),
    (SELF_HARM, r"\b(?:no|the|any|what is the) (?:reason|point) (?:to|in|of) (?:live|living|going on|"
                r"being alive|being here|life|carrying on|waking up)\b"),
    (SELF_HARM, r"\b(?:take|taking|took|swallow|swallowing|swallowed) (?:all (?:of )?|the rest of )(?:my|the|"
                r"your|those|these) (?:pills|tablets|medication|medicine)|\boverdos(?:e|ed|ing)\b"),
    (SELF_HARM, r"\b(?:jump|jumping) (?:off|from|in front of) (?:a|the) (?:bridge|roof|train|building|"
                r"balcony|cliff)"),
    # added after the first held-out look (docs/benchmarks.md, "Care"): more of each family
    (VIOLENCE, rf"\b{_AGENT} {_BETWEEN}(?:put|puts|wrapped|had) "
               r"(?:his|her|your|their|both) hands? (?:around|on|"
               r"round) (?:my|your) (?:neck|throat)"),
    (VIOLENCE, r"\bhands? (?:around|round) my (?:neck|throat)\b"),
    (VIOLENCE, r"\b(?:would not|will not|did not|does not) let me "
               r"(?:leave|go out|get out|out of)\b"),
    (VIOLENCE, rf"\b(?:{_AGENT}|i) {_BETWEEN}(?:punched|punches|punch|kicked|smashed|hit) (?:holes? in )?the "
               r"(?:wall|door)"),
    (THREAT, rf"\b{_AGENT} (?:\w+ ){{0,3}}?take it out on (?:the (?:children|kids|dog)|me|us|our)"),
    (THREAT, r"\b(?:showed|shows|show|showing) me (?:the|a|his|her|your|their) "
             r"(?:knife|gun|weapon|pistol|rifle)"),
    (THREAT, r"\b(?:knife|knives|gun|guns|weapon|pistol|rifle)\b (?:\w+ ){0,10}?"
             r"(?:mention|mentions|mentioned|"
             r"talk about|talks about|brings up|bring up)"),
    (FEAR, r"\b(?:do not|did not|never) (?:\w+ )?(?:know|knew) what (?:you|he|she) (?:\w+ )?(?:do|does|did) "
           r"to me\b"),
    (SELF_HARM, r"\b(?:cut|cutting|cuts|burn|burning|burned|scratch|scratching) "
                r"(?:my|your) (?:arms?|wrists?|legs?|"
                r"skin|thighs?|stomach)\b"),
    (SELF_HARM, r"\b(?:saving|hoarding|stockpiling|collecting|counting) (?:up )?(?:my |the |your )?(?:\w+ )?"
                r"(?:pills|tablets)|\bhow many (?:of )?(?:my |the )?(?:\w+ )?(?:pills|tablets) "
                r"it would take\b"),
    (SELF_HARM, r"\bthinking about (?:jumping|not waking up|dying|ending it|driving off)\b"),
    (SELF_HARM, r"\b(?:thought|think|thinking) about how (?:i|you) "
                r"(?:would|could|will|might|am going to) do it\b"
                r"(?! differently| better| again| next)"),
    (SELF_HARM, r"\b(?:letters?|goodbye) (?:\w+ ){0,4}?in case (?:i|you) (?:am|are|was|were) not "
                r"(?:around|here)\b"),
]
# Phrases whose danger is itself a negation ("I do not feel safe", "if I was not here").
_NEGATION_INSIDE = ("feel", "unsafe", "want to", "let me", "was not", "were not", "never see", "know what")
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
    before it hold a negation. A phrase whose danger is a negation ("I do not feel safe", "easier
    if I was not here") counts only the words before it."""
    text = clause[start:end]
    span = [] if any(p in text for p in _NEGATION_INSIDE) and re.search(r"\b(?:not|no|never)\b", text) \
        else text.split()
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
