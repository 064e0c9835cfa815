"""The balance of a session, from its log: who talked how long, the pieces and their mirror loops,
the breaths between turns, each piece's pace and how well each mirror carried its piece.

Pure: the log's event dicts in (see session_log.read_events), plain dataclasses out, ready for a
report. A log cut short by a crash, or with transcripts missing, still gives what it can.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from .fidelity import UNSCORED, FidelityParams, MirrorScore, score
from .phrasebook import normalise
from .slowdown import MIRROR_PROMPT, REMINDERS

SAY_MISSED = "say_missed"  # the cue after which a share repeats the same piece


@dataclass(frozen=True)
class Turn:
    number: int
    speaker: str
    step: str  # share, mirror, check or more
    start: float
    end: float
    text: str | None  # None: no transcript in the log

    @property
    def seconds(self) -> float:
        return max(0.0, self.end - self.start)


@dataclass(frozen=True)
class Mirror:
    turn: int
    receiver: str
    of_turns: tuple[int, ...]  # the sender's turns this mirror answers
    score: MirrorScore | None  # None while a transcript is missing
    label: str  # good, partial, adds, or unscored


@dataclass(frozen=True)
class Piece:
    number: int
    sender: str
    turns: tuple[int, ...]  # the sender's turns that carry the piece (a repeat after "partly" too)
    mirrors: tuple[Mirror, ...]
    seconds: float  # turn time of those turns, short breaths included
    words: int | None  # None while a transcript is missing
    wpm: float | None  # words per minute of turn time
    speech_wpm: float | None  # words per minute of speech time, from the live pace notes if logged

    @property
    def mirror_loops(self) -> int:
        """Mirrors beyond the first: each "partly" or "no" costs one."""
        return max(0, len(self.mirrors) - 1)


@dataclass(frozen=True)
class Gap:
    """The breath before a turn: from the end of the previous turn's speech to this one's start."""

    turn: int
    speaker: str
    step: str
    seconds: float
    after_cue: float | None  # from the end of the coach's cue in between, if there was one


@dataclass(frozen=True)
class PartnerBalance:
    name: str
    talk_secs: float
    turns: int
    pieces: int  # pieces sent
    mirrors: int  # mirrors made
    mirror_loops: int  # extra mirrors on the pieces this partner sent
    mean_recall: float | None  # over this partner's scored mirrors


@dataclass(frozen=True)
class SessionBalance:
    duration: float
    partners: tuple[PartnerBalance, ...]
    pieces: tuple[Piece, ...]
    turns: tuple[Turn, ...]
    gaps: tuple[Gap, ...]
    interruptions: dict[str, int]  # by kind: over_coach, before_cue, cut_in

    @property
    def talk_secs(self) -> float:
        return sum(p.talk_secs for p in self.partners)

    @property
    def mirror_loops(self) -> int:
        return sum(p.mirror_loops for p in self.pieces)

    @property
    def loops_per_piece(self) -> float | None:
        return self.mirror_loops / len(self.pieces) if self.pieces else None

    def partner(self, name: str) -> PartnerBalance:
        for p in self.partners:
            if p.name == name:
                return p
        raise KeyError(name)

    def talk_share(self, name: str) -> float:
        """This partner's share of the talking time (0 to 1)."""
        total = self.talk_secs
        return self.partner(name).talk_secs / total if total else 0.0


@dataclass
class _Open:
    """A turn as the log tells it, with where its records are."""

    number: int
    start_at: int
    end_at: int = -1
    speaker: str = "?"
    step: str = ""
    start: float = 0.0
    end: float = 0.0
    text: str | None = None

    def frozen(self) -> Turn:
        return Turn(self.number, self.speaker, self.step, self.start, self.end, self.text)


def _turns(events: list[Mapping[str, Any]]) -> list[_Open]:
    turns: dict[int, _Open] = {}
    for i, e in enumerate(events):
        n = e.get("turn")
        if not isinstance(n, int):
            continue
        kind = e.get("type")
        if kind == "turn_start":
            turns[n] = _Open(n, i, start=float(e["t"]), speaker=e.get("speaker") or "?")
        elif kind == "turn_end":
            o = turns.setdefault(n, _Open(n, i))
            o.end_at, o.step = i, str(e.get("step") or "")
            o.speaker = e.get("speaker") or o.speaker
            o.start, o.end = float(e.get("start", o.start)), float(e.get("end", e["t"]))
        elif kind == "transcript" and n in turns:
            turns[n].text = str(e.get("text") or "")
    return sorted((o for o in turns.values() if o.end_at >= 0), key=lambda o: o.end_at)


def _words(text: str) -> int:
    return len(normalise(text).split())


def _names(events: list[Mapping[str, Any]], turns: list[_Open]) -> list[str]:
    start = next((e for e in events if e.get("type") == "session_start"), {})
    names = [str(n) for n in (start.get("sender"), start.get("receiver")) if n]
    return list(dict.fromkeys(names + [o.speaker for o in turns]))


def session_balance(
    events: Iterable[Mapping[str, Any]], params: FidelityParams | None = None
) -> SessionBalance:
    """The balance of one session log (its event dicts, in the order written)."""
    evs = list(events)
    every = _turns(evs)
    # A turn the model found no words in (a cough, a chair) is one the protocol ignored: it is
    # no talk, no piece and no breath, though the report still lists it among the turns.
    turns = [o for o in every if o.text is None or _words(o.text) > 0]
    names = _names(evs, turns)
    cues = [(i, e) for i, e in enumerate(evs) if e.get("type") == "cue"]
    pace = {e["turn"]: float(e["value"]) for e in evs
            if e.get("type") == "note" and e.get("kind") == "pace" and "turn" in e and "value" in e}
    pieces = _pieces(turns, cues, pace, tuple(names), params or FidelityParams())
    partners = tuple(_partner(n, turns, pieces) for n in names)
    interruptions: dict[str, int] = {}
    for e in evs:
        if e.get("type") == "note" and e.get("kind") == "interruption":
            kind = str(e.get("detail", "")).split(":")[0] or "?"
            interruptions[kind] = interruptions.get(kind, 0) + 1
    end = next((e["t"] for e in evs if e.get("type") == "session_end"), None)
    duration = float(end if end is not None else max((e.get("t", 0.0) for e in evs), default=0.0))
    return SessionBalance(
        duration, partners, tuple(pieces), tuple(o.frozen() for o in every), _gaps(turns, cues),
        interruptions,
    )


def _pieces(
    turns: list[_Open], cues: list[tuple[int, Mapping[str, Any]]], pace: dict[int, float],
    names: tuple[str, ...], params: FidelityParams,
) -> list[Piece]:
    """Group turns into pieces. A share starts a piece unless it repeats what a mirror missed; a
    sender's answer that goes on with the piece (the coach prompts a mirror next) is part of one:
    of the same piece after "did they get it?", a new piece after "is there more?"."""
    groups: list[tuple[list[_Open], list[tuple[_Open, list[_Open]]]]] = []
    pending: list[_Open] = []
    for k, o in enumerate(turns):
        if o.step == "mirror":
            if groups:
                groups[-1][1].append((o, pending or groups[-1][0]))
            pending = []
            continue
        next_start = turns[k + 1].start_at if k + 1 < len(turns) else math.inf
        prompted = any(o.end_at < i < next_start and e.get("key") == MIRROR_PROMPT for i, e in cues)
        if not (o.step == "share" or (o.step in ("check", "more") and prompted)):
            continue
        before = [e.get("key") for i, e in cues if i < o.start_at and e.get("key") not in REMINDERS]
        repeat = o.step == "check" or (o.step == "share" and before[-1:] == [SAY_MISSED])
        if not groups or not repeat:
            groups.append(([], []))
            pending = []
        groups[-1][0].append(o)
        pending.append(o)
    return [_piece(n, own, mirrors, pace, names, params) for n, (own, mirrors) in enumerate(groups, 1)]


def _piece(
    number: int, own: list[_Open], mirrors: list[tuple[_Open, list[_Open]]], pace: dict[int, float],
    names: tuple[str, ...], params: FidelityParams,
) -> Piece:
    texts = [o.text for o in own]
    seconds = sum(max(0.0, o.end - o.start) for o in own)
    words = None if any(t is None for t in texts) else sum(_words(t or "") for t in texts)
    wpm = 60.0 * words / seconds if words and seconds > 0 else None
    speeds = [pace[o.number] for o in own if o.number in pace]
    scored = []
    for m, of in mirrors:
        sources = [o.text for o in of]
        sc = None
        if m.text is not None and all(t is not None for t in sources):
            sc = score(" ".join(t or "" for t in sources), m.text, names)
        label = sc.label(params) if sc is not None else UNSCORED
        scored.append(Mirror(m.number, m.speaker, tuple(o.number for o in of), sc, label))
    return Piece(
        number, own[0].speaker, tuple(o.number for o in own), tuple(scored), round(seconds, 3), words,
        round(wpm, 1) if wpm is not None else None, round(sum(speeds) / len(speeds), 1) if speeds else None,
    )


def _gaps(turns: list[_Open], cues: list[tuple[int, Mapping[str, Any]]]) -> tuple[Gap, ...]:
    out = []
    for prev, o in pairwise(turns):
        between = [float(e.get("end", e["t"])) for i, e in cues if prev.end_at < i < o.start_at]
        after_cue = round(o.start - max(between), 3) if between else None
        out.append(Gap(o.number, o.speaker, o.step, round(o.start - prev.end, 3), after_cue))
    return tuple(out)


def _partner(name: str, turns: list[_Open], pieces: list[Piece]) -> PartnerBalance:
    own = [o for o in turns if o.speaker == name]
    mirrors = [m for p in pieces for m in p.mirrors if m.receiver == name]
    recalls = [m.score.recall for m in mirrors if m.score is not None and m.score.scorable]
    sent = [p for p in pieces if p.sender == name]
    return PartnerBalance(
        name, round(sum(max(0.0, o.end - o.start) for o in own), 3), len(own), len(sent),
        len(mirrors), sum(p.mirror_loops for p in sent), sum(recalls) / len(recalls) if recalls else None,
    )
