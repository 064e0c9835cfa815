"""Where to find help, per country (cues/help.toml): said by the coach when a partner's words tell
of danger, and shown in the report. The country is the setting's, or the system locale's."""

from __future__ import annotations

import functools
import os
import re
import sys
from dataclasses import dataclass
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..errors import UserError

DEFAULT = "default"


@dataclass(frozen=True)
class Helplines:
    country: str  # a code from help.toml, or "default"
    emergency: str
    violence: str  # for violence, fear and threats
    crisis: str  # for thoughts of self-harm

    def cue_fields(self) -> dict[str, str]:
        """The wording's fields, numbers spelt digit by digit ("988" would be "nine hundred ...")."""
        return {"emergency": spoken(self.emergency), "violence_help": spoken(self.violence),
                "crisis_help": spoken(self.crisis)}


def spoken(text: str) -> str:
    """'1-800-799-7233' -> '1 8 0 0, 7 9 9, 7 2 3 3': a speech synthesiser says each digit."""
    text = re.sub(r"(?<=\d)[- ](?=\d)", ", ", text)
    return re.sub(r"\d{2,}", lambda m: " ".join(m.group()), text)


@functools.cache
def _table() -> dict[str, dict[str, str]]:
    path = resources.files("voice_coach") / "cues" / "help.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def countries() -> list[str]:
    return sorted(k for k in _table() if k != DEFAULT)


def country_of_locale(value: str | None) -> str | None:
    """'en_GB.UTF-8' -> 'GB'; None for 'C', 'POSIX' or nothing."""
    m = re.match(r"[a-z]{2,3}_([A-Z]{2})\b", value or "")
    return m.group(1) if m else None


def system_country() -> str | None:
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name):
            return country_of_locale(os.environ[name])
    return None


def check_country(country: str | None) -> str | None:
    """The setting as given, upper-cased; an unknown code is a one-line error naming the known ones."""
    if country is None:
        return None
    code = country.strip().upper()
    if code not in _table():
        raise UserError(f"--country: no help lines for '{country}'; known: {', '.join(countries())} "
                        "(any other country gets the general advice: leave it unset)")
    return code


def for_country(country: str | None) -> Helplines:
    """The setting's country, else the system's, else the general advice."""
    table = _table()
    code = (country or system_country() or DEFAULT).upper()
    if code not in table:
        code = DEFAULT
    row = {**table[DEFAULT], **table[code]}
    return Helplines(code, row["emergency"], row["violence"], row["crisis"])
