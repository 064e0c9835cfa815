"""Cue wording and answer phrases, loaded from a TOML data file so users can change them."""

from __future__ import annotations

import re
import string
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..errors import UserError
from ..files import read_text
from ..text import folded

REQUIRED_ANSWERS = ("yes", "partly", "no", "more", "done")
REQUIRED_COMMANDS = ("stop", "pause", "resume", "repeat", "skip", "switch")
_FIELDS = frozenset({"sender", "receiver", "minutes", "timeout_word", "emergency", "violence_help",
                     "crisis_help", "break_minutes"})
# The parts of the line on a round's mirroring (fidelity.feedback_line), with the names each is
# filled in with: a head, what was missed or added, and how they and the words named are put together.
FEEDBACK_FIELDS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("all", "most", "part", "little"), frozenset({"sender"})),
    **dict.fromkeys(("missed", "added"), frozenset({"words", "sender"})),
    "line": frozenset({"head"}), "line_and": frozenset({"head", "then"}),
    "word": frozenset({"word"}), "between": frozenset(),
}
# Cues and parts added after wording files of one's own existed: a file without them takes ours.
LATER_CUES = ("mic_lost", "mic_back", "mic_gone", "hello", "hello_next", "hello_again", "hello_failed",
              "hello_keep", "hello_kept", "hello_not_kept", "wrong_partner_listen", "wrong_partner_mirror")
LATER_FEEDBACK = ("line", "line_and", "word", "between")


@dataclass(frozen=True)
class Phrasebook:
    cues: dict[str, str]
    answers: dict[str, tuple[str, ...]]
    commands: dict[str, tuple[str, ...]]
    feedback: dict[str, str] = field(default_factory=dict)  # parts of the line on a round's mirroring

    def say(self, key: str, sender: str, receiver: str, **extra: str) -> str:
        return self.cues[key].format(sender=sender, receiver=receiver, **extra)

    def vocabulary(self, *extra: str) -> str:
        """The first phrase of every answer and command, as a prompt that helps a small speech
        model hear short replies ("Resume." rather than "Review.")."""
        replies = [p for kind, p in self.answers.items() if kind != "hand_back"]  # a mirror's end: no reply
        firsts = [p[0] for p in (*replies, *self.commands.values()) if p]
        words = dict.fromkeys(w.strip() for w in (*firsts, *extra) if w.strip())
        return " ".join(w[:1].upper() + w[1:] + "." for w in words)


def default_cues_path() -> Path:
    return Path(str(resources.files("voice_coach") / "cues" / "en.toml"))


MAX_CUE_FILE_BYTES = 1 << 20  # the built-in cue file is 10 KB


def load_phrasebook(path: Path | None = None) -> Phrasebook:
    """The wording, checked whole before any session starts: every cue a non-empty text that
    formats with the names the coach fills in, every phrase list non-empty."""
    path = path or default_cues_path()
    raw = read_text(path, "cue file", MAX_CUE_FILE_BYTES)
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"cue file {path} is not valid TOML: {e}") from None
    except RecursionError:
        raise UserError(f"cue file {path} is not valid TOML: nested too deeply") from None
    cues = data.get("cues", {})
    if not isinstance(cues, dict):
        raise UserError(f"cue file {path}: [cues] must be a table of texts")
    from .exercises import required_cues

    for key in required_cues():
        if key not in cues:
            raise UserError(f"cue file {path}: [cues] needs a text for '{key}'")
    for key, text in cues.items():
        problem = _cue_problem(text)
        if problem:
            raise UserError(f"cue file {path}, line {_line_of(raw, key)}: the text for {key!r} {problem}")
    cues = dict(cues)
    if path != default_cues_path():
        ours = load_phrasebook().cues
        cues.update({k: ours[k] for k in LATER_CUES if k not in cues})
    answers = _phrase_table(path, raw, data.get("answers", {}), REQUIRED_ANSWERS)
    commands = _phrase_table(path, raw, data.get("commands", {}), REQUIRED_COMMANDS)
    if "feedback" not in data and path != default_cues_path():  # an older wording file: ours
        return Phrasebook(cues, answers, commands, load_phrasebook().feedback)
    feedback = data.get("feedback", {})
    if isinstance(feedback, dict) and path != default_cues_path():
        ours = load_phrasebook().feedback
        feedback = {**{k: ours[k] for k in LATER_FEEDBACK}, **feedback}
    for key, fields in FEEDBACK_FIELDS.items():
        if not isinstance(feedback, dict) or key not in feedback:
            raise UserError(f"cue file {path}: [feedback] needs a text for '{key}'")
        problem = _cue_problem(feedback[key], fields)
        if problem:
            raise UserError(f"cue file {path}, line {_line_of(raw, key)}: the text for {key!r} {problem}")
    return Phrasebook(cues, answers, commands, {k: feedback[k] for k in FEEDBACK_FIELDS})


def _cue_problem(text: object, fields: frozenset[str] = _FIELDS) -> str | None:
    """What is wrong with a cue's text, found by filling it in as the coach will; None if nothing."""
    if not isinstance(text, str):
        return "must be text in quotes"
    if not text.strip():
        return "is empty"
    try:
        names = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
        if names - fields:
            known = ", ".join(f"{{{f}}}" for f in sorted(fields))
            return f"has an unknown name {{{', '.join(sorted(names - fields))}}}: use {known}"
        text.format(**{name: "x" for name in fields})
    except (ValueError, KeyError, IndexError, AttributeError) as e:
        return f"has a {{ or }} out of place ({e}): write {{{{ and }}}} for the signs themselves"
    return None


def _phrase_table(
    path: Path, raw: str, table: object, required: tuple[str, ...]
) -> dict[str, tuple[str, ...]]:
    if not isinstance(table, dict):
        raise UserError(f"cue file {path}: answers and commands must be tables")
    out: dict[str, tuple[str, ...]] = {}
    for key in required:
        if key not in table:
            raise UserError(f"cue file {path}: missing phrases for '{key}'")
    for key, phrases in table.items():
        where = f"cue file {path}, line {_line_of(raw, key)}: {key!r}"
        if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
            raise UserError(f"{where} must be a list of phrases")
        out[key] = tuple(normalise(p) for p in phrases)
        if not out[key] or not all(out[key]):
            raise UserError(f"{where} needs phrases with words in them (an empty one would match anything)")
    return out


def _line_of(raw: str, key: str) -> int:
    for n, line in enumerate(raw.splitlines(), 1):
        if re.match(rf"\s*{re.escape(key)}\s*=", line):
            return n
    return 0


def normalise(text: str) -> str:
    """Words to match phrases against: folded, punctuation other than apostrophes and hyphens dropped."""
    text = re.sub(r"[^\w\s'-]", " ", folded(text))
    return " ".join(text.split())
