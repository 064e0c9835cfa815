"""All tunable values, built once from defaults, an optional TOML file and the command line."""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import Field, dataclass, field, fields
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .coaching import helplines
from .coaching.slowdown import SlowdownParams
from .dialogue.exercises import EXERCISES
from .dialogue.protocol import ProtocolParams
from .errors import UserError
from .hearing.audio_source import WAIT_SECS
from .hearing.classifiers import SILERO_THRESHOLD, WEBRTC_AGGRESSIVENESS
from .hearing.over_coach import OverCoachParams
from .hearing.patience import PatienceParams
from .hearing.speech_gate import GateParams
from .hearing.transcriber import LANGUAGE, THREADS
from .hearing.turns import TurnParams
from .hearing.whose_voice import VoiceParams
from .speaking.voice import DEFAULT_RATE


def _limit(default: Any, lo: float, hi: float, unit: str = "") -> Any:
    """A number and the range it must lie in, kept beside its default: checked when Settings are built."""
    return field(default=default, metadata={"range": (lo, hi, unit)})


def _one_of(default: str, *choices: str) -> Any:
    return field(default=default, metadata={"choices": choices or (default,)})


def _words(default: str | None, longest: int = 200) -> Any:
    """Text: no control characters (a NUL in a path or a name breaks what reads it later)."""
    return field(default=default, metadata={"longest": longest})


NAME = 40  # characters in a partner's name or the time-out word: the coach says them in full


@dataclass(frozen=True)
class Settings:
    """Every tunable value, from one place: a value a component also uses takes that component's
    own default (its *Params), so that the two never disagree."""

    sender: str = _words("Alex", NAME)
    receiver: str = _words("Sam", NAME)
    exercise: str = _one_of("dialogue", *EXERCISES)  # see 'voice-coach exercises'
    timeout_word: str = _words(ProtocolParams.timeout_word, NAME)  # said by either partner, it pauses at once
    # Positive flooding: each one's time
    flood_minutes: float = _limit(ProtocolParams.flood_secs / 60, 0.1, 30, "minutes")
    # Silence after a cue before a gentle reminder
    remind_after: float = _limit(ProtocolParams.remind_after, 5, 600, "seconds")
    # Then silence till the coach pauses
    pause_after: float = _limit(ProtocolParams.pause_after, 5, 1800, "seconds")
    # The slow-down (reasons in voice_coach/coaching/slowdown.py, SlowdownParams):
    # A sender's talk before "let's pause there"
    long_piece: float = _limit(SlowdownParams.long_piece, 5, 600, "seconds")
    # Above it: "let's slow down a little"
    pace_wpm: float = _limit(SlowdownParams.pace_wpm, 60, 400, "words a minute")
    # At most one pace reminder in this many
    pace_interval: float = _limit(SlowdownParams.pace_interval, 10, 3600, "seconds")
    interruptions: int = _limit(SlowdownParams.interruptions, 1, 20)  # interruptions before "one at a time"
    # Tell the partners' voices apart to notice one cutting in on the other (whose_voice.py), and
    # from other voices after their hellos; voiceprints are written only if the couple agrees.
    voice_check: bool = True
    # Each partner says hello first, so that other voices (a TV, a visitor) are not taken for
    # theirs (partner_voices.py): "live" on a microphone (not a recording), "always" or "never".
    # Needs the voice check; skipped when the couple's voices were kept from an earlier session.
    hello: str = _one_of("live", "live", "always", "never")
    # How much more like the other's voice (docs/benchmarks.md)
    voice_margin: float = _limit(VoiceParams.margin, 0.01, 0.99)
    # Notice a partner talking over the coach's cues, from what the microphone hears beyond the
    # cue's own echo (over_coach.py; docs/benchmarks.md, "Talking over the coach").
    over_coach_check: bool = True
    # Wait longer for a partner heard to go on after long pauses (patience.py;
    # docs/benchmarks.md, "Learning each partner's pauses").
    learn_pauses: bool = True
    # Seconds from the sender's last word to the mirror prompt, and the least a finished-sounding
    # thought is held: a breath, so the receiver is not rushed; 0 lets the end silence alone decide
    # (docs/benchmarks.md, "Turn-taking on real conversation": 0.8-1.5 s answer no sooner there).
    min_breath: float = _limit(SlowdownParams.min_breath, 0, 10, "seconds")
    mirror_feedback: bool = False  # say one short, kind line on each round's mirroring (always logged)
    input_device: str | None = _words(None)
    output_device: str | None = _words(None)
    # A microphone that goes away is waited for this long before the session ends (0: at once)
    device_wait: float = _limit(WAIT_SECS, 0, 3600, "seconds")
    model: str = _words("tiny.en", 4096)  # a name from 'voice-coach models' or a model folder
    language: str = _words(LANGUAGE, 10)
    threads: int = _limit(THREADS, 1, 64)
    # Turn-taking. A pause ends a turn after end_silence_min when Smart Turn and the words both say
    # the thought is finished, otherwise after end_silence_max (docs/benchmarks.md, Turn-taking).
    vad: str = _one_of("silero", "silero", "webrtc")  # webrtc hears noise as speech (docs/benchmarks.md)
    # If webrtc: the least fooled by noise; Silero: fewer cut-offs than 0.5 (docs/benchmarks.md)
    webrtc_aggressiveness: int = _limit(WEBRTC_AGGRESSIVENESS, 0, 3)
    silero_threshold: float = _limit(SILERO_THRESHOLD, 0.05, 0.95)
    smart_turn: bool = True  # judge each pause with Smart Turn and the last words (docs/benchmarks.md)
    # No judgement or an unsure one: wait as for unfinished (docs/benchmarks.md).
    end_silence: float = _limit(TurnParams.end_silence, 0.2, 10, "seconds")
    # A finished thought: answer quickly
    end_silence_min: float = _limit(TurnParams.end_silence_min, 0.2, 10, "seconds")
    # Unfinished: outlast a 2.5 s search for words
    end_silence_max: float = _limit(TurnParams.end_silence_max, 0.2, 10, "seconds")
    complete_above: float = _limit(TurnParams.complete_above, 0, 1)  # Smart Turn's "finished"
    # ... below it the thought is unfinished (docs/benchmarks.md)
    unfinished_below: float = _limit(TurnParams.unfinished_below, 0, 1)
    # A breath: judge it, transcribe the words so far (docs/benchmarks.md); shorter than the end silences.
    short_pause: float = _limit(GateParams.stop_secs, 0.1, 2, "seconds")
    # A long turn is transcribed in pieces cut at a pause after min_piece, or at max_piece in any
    # case: Whisper hears at most 30 s at once.
    min_piece: float = _limit(TurnParams.min_piece, 2, 25, "seconds")
    max_piece: float = _limit(TurnParams.max_piece, 5, 28, "seconds")
    preroll: float = _limit(TurnParams.preroll, 0, 1, "seconds")  # audio kept from before speech was detected
    echo_tail: float = _limit(OverCoachParams.tail, 0, 3, "seconds")  # the microphone shut after the coach
    cues: str | None = _words(None, 4096)  # a TOML file with the coach's wording
    # The coach's voice: a name from 'voice-coach voices' (None: the neural voice, else espeak-ng)
    # or a Piper .onnx file; its pace in words a minute (voice.py, docs/benchmarks.md).
    voice: str | None = _words(None, 4096)
    voice_rate: int = _limit(DEFAULT_RATE, 80, 400, "words a minute")
    data_dir: str | None = _words(None, 4096)
    keep_audio: bool = False  # keep a WAV of every turn in the session folder
    no_transcripts: bool = False  # keep timings and metrics only, never the words
    # Offer a time-out when it gets heated (heat.py; docs/benchmarks.md, "Heated moments"); words
    # that tell of danger always stop the exercise, whatever this says (care.py).
    care_check: bool = True
    # A time-out's length: then a check-in
    break_minutes: float = _limit(ProtocolParams.break_secs / 60, 0.1, 240, "minutes")
    country: str | None = _words(None, 10)  # whose help lines the coach gives (help.toml); unset: locale's

    def __post_init__(self) -> None:
        for f in fields(self):
            _check(f, getattr(self, f.name))
        _check_together(self)

    def gate_params(self) -> GateParams:
        return GateParams(stop_secs=self.short_pause)

    def turn_params(self) -> TurnParams:
        return TurnParams(
            end_silence=self.end_silence, end_silence_min=self.end_silence_min,
            end_silence_max=self.end_silence_max, complete_above=self.complete_above,
            unfinished_below=self.unfinished_below, use_words=self.smart_turn,
            judge_tail=min(TurnParams.judge_tail, self.short_pause), min_piece=self.min_piece,
            max_piece=self.max_piece, preroll=self.preroll,
        )

    def protocol_params(self) -> ProtocolParams:
        return ProtocolParams(
            remind_after=self.remind_after, pause_after=self.pause_after,
            flood_secs=self.flood_minutes * 60.0, timeout_word=self.timeout_word,
            break_secs=self.break_minutes * 60.0,
        )

    def slowdown_params(self) -> SlowdownParams:
        return SlowdownParams(
            long_piece=self.long_piece, pace_wpm=self.pace_wpm, pace_interval=self.pace_interval,
            interruptions=self.interruptions, min_breath=self.min_breath,
        )

    def over_coach_params(self) -> OverCoachParams:
        return OverCoachParams(tail=self.echo_tail)

    def patience_params(self) -> PatienceParams:
        memory = PatienceParams.memory if self.learn_pauses else 0
        return PatienceParams(cap=self.end_silence_max, memory=memory)

    def voice_params(self) -> VoiceParams:
        return VoiceParams(margin=self.voice_margin)

    def cue_fields(self) -> dict[str, str]:
        """Names in the cue wording besides the partners'."""
        return {"minutes": f"{self.flood_minutes:g}", "timeout_word": self.timeout_word,
                "break_minutes": f"{self.break_minutes:g}",
                **helplines.for_country(self.country).cue_fields()}

    @classmethod
    def choices(cls, name: str) -> tuple[str, ...]:
        """The values setting `name` may take (for the command line's own check)."""
        return tuple({f.name: f for f in fields(cls)}[name].metadata["choices"])

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _shown(value: Any) -> str:
    """A value as an error shows it: on one line, and short."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class SettingError(UserError):
    """A setting out of its range or of the wrong kind, or a rule between settings broken;
    `names` says which settings."""

    def __init__(self, names: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.names = names


def _check(f: Field, value: Any) -> None:
    """One setting against what its field declares: its kind, its range, its choices."""
    name, kind, meta = f.name, str(f.type), f.metadata
    if value is None and "None" in kind:
        return
    if kind == "bool":
        if not isinstance(value, bool):
            raise SettingError((name,), f"{name} must be true or false, not {_shown(value)}")
    elif "range" in meta:
        lo, hi, unit = meta["range"]
        whole = kind == "int"
        number = isinstance(value, int if whole else (int, float)) and not isinstance(value, bool)
        if not (number and lo <= value <= hi):  # NaN compares false, so it is refused too
            what = f"a whole number from {lo} to {hi}" if whole else f"between {lo:g} and {hi:g}"
            what += f" {unit}" if unit else ""
            raise SettingError((name,), f"{name} must be {what}, not {_shown(value)}")
    elif not isinstance(value, str):
        raise SettingError((name,), f"{name} must be text, not {_shown(value)}")
    elif "choices" in meta and value not in meta["choices"]:
        choices = ", ".join(meta["choices"])
        raise SettingError((name,), f"{name} must be one of {choices}; not {_shown(value)}")
    elif "longest" in meta:
        if len(value) > meta["longest"]:
            raise SettingError((name,), f"{name} must be at most {meta['longest']} characters long")
        if not value.isprintable():
            raise SettingError((name,), f"{name} must not hold control characters: {_shown(value)}")


def _check_together(s: Settings) -> None:
    """The rules between settings, each given alone in range; an error shows the values."""
    if not (s.sender.strip() and s.receiver.strip() and s.timeout_word.strip()):
        names = ("sender", "receiver", "timeout_word")
        raise SettingError(names, "sender, receiver and timeout_word must not be empty")
    if s.sender == s.receiver:
        both = _shown(s.sender)
        raise SettingError(("sender", "receiver"), f"the two partners need different names, not both {both}")
    rules = [
        ("end_silence_min", "must not be longer than", "end_silence_max",
         s.end_silence_min <= s.end_silence_max),
        ("short_pause", "must be shorter than", "end_silence", s.short_pause < s.end_silence),
        ("short_pause", "must be shorter than", "end_silence_min", s.short_pause < s.end_silence_min),
        ("unfinished_below", "must not be above", "complete_above", s.unfinished_below <= s.complete_above),
        ("min_piece", "must be shorter than", "max_piece", s.min_piece < s.max_piece),
    ]
    for a, rule, b, ok in rules:
        if not ok:
            raise SettingError((a, b), f"{a} ({getattr(s, a):g}) {rule} {b} ({getattr(s, b):g})")


_KINDS: dict[str, Any] = {"float": float, "int": int, "str": str}


def _coerce(name: str, kind: Any, value: Any, where: str) -> Any:
    """A value from the TOML file or the command line as the setting's kind, or a UserError."""
    base = str(kind).replace(" | None", "")
    if base == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
            return str(value).lower() in ("true", "yes", "on", "1")
        raise UserError(f"{where}: '{name}' should be true or false, not {_shown(value)}")
    try:
        if base == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if base == "int" and isinstance(value, int) and not isinstance(value, bool):
            return value
        if base == "str" and isinstance(value, str):
            return value
        if isinstance(value, str) and base in _KINDS:
            return _KINDS[base](value)
    except (ValueError, OverflowError):
        pass
    article = "an" if base == "int" else "a"
    raise UserError(f"{where}: '{name}' should be {article} {base}, not {_shown(value)}")


MAX_SETTINGS_BYTES = 1 << 20  # a settings file is a few lines; /dev/zero is not one


def _read_toml(config: Path) -> dict[str, Any]:
    from .files import read_text

    text = read_text(config, "settings file", MAX_SETTINGS_BYTES)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise UserError(f"settings file {config} is not valid TOML: {e}") from None
    except RecursionError:
        raise UserError(f"settings file {config} is not valid TOML: nested too deeply") from None


def load_settings(config: Path | None, overrides: dict[str, Any]) -> Settings:
    """Defaults, then the TOML file, then command-line values that were given; every value is
    checked against its declared range when the Settings are built (an error names the setting)."""
    known = {f.name: f.type for f in fields(Settings)}
    values: dict[str, Any] = {}
    where: dict[str, str] = {}
    if config is not None:
        origin = f"settings file {config}"
        for key, value in _read_toml(config).items():
            name = key.replace("-", "_")
            if name not in known:
                raise UserError(f"{origin}: unknown setting {_shown(key)}")
            values[name], where[name] = _coerce(name, known[name], value, origin), origin
    for name, value in overrides.items():
        if value is not None:
            values[name], where[name] = _coerce(name, known[name], value, "command line"), "command line"
    try:
        settings = Settings(**values)
    except SettingError as e:
        given = [where[n] for n in e.names if n in where]  # the defaults are all valid
        raise UserError(f"{given[0]}: {e}" if given else str(e)) from None
    return settings.replace(country=helplines.check_country(settings.country))
