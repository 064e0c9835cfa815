"""All tunable values, built once from defaults, an optional TOML file and the command line."""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from . import helplines
from .errors import UserError
from .exercises import EXERCISES
from .over_coach import OverCoachParams
from .patience import PatienceParams
from .protocol import ProtocolParams
from .slowdown import SlowdownParams
from .speech_gate import GateParams
from .turns import TurnParams
from .whose_voice import VoiceParams


@dataclass(frozen=True)
class Settings:
    sender: str = "Alex"
    receiver: str = "Sam"
    exercise: str = "dialogue"  # see 'voice-coach exercises'
    timeout_word: str = "time out"  # said by either partner, it pauses at once
    flood_minutes: float = 2.0  # positive flooding: each partner's time to receive
    remind_after: float = 30.0  # silence after a cue before a gentle reminder
    pause_after: float = 45.0  # further silence after the reminder before the coach pauses
    # The slow-down (reasons in voice_coach/slowdown.py, SlowdownParams):
    long_piece: float = 40.0  # seconds a sender may talk before "let's pause there", at a breath
    pace_wpm: float = 200.0  # words per minute of speech above which "let's slow down a little"
    pace_interval: float = 180.0  # at most one pace reminder in this many seconds
    interruptions: int = 3  # interruptions before "one at a time"
    # Tell the partners' voices apart to notice one cutting in on the other (whose_voice.py); the
    # voiceprints stay in memory, never on disk.
    voice_check: bool = True
    voice_margin: float = 0.1  # how much more like the other's voice (docs/benchmarks.md, "Whose voice")
    # Notice a partner talking over the coach's cues, from what the microphone hears beyond the
    # cue's own echo (over_coach.py; docs/benchmarks.md, "Talking over the coach").
    over_coach_check: bool = True
    # Wait longer for a partner heard to go on after long pauses (patience.py;
    # docs/benchmarks.md, "Learning each partner's pauses").
    learn_pauses: bool = True
    # Seconds from the sender's last word to the mirror prompt, and the least a finished-sounding
    # thought is held: a breath, so the receiver is not rushed; 0 lets the end silence alone decide
    # (docs/benchmarks.md, "Turn-taking on real conversation": 0.8-1.5 s answer no sooner there).
    min_breath: float = 1.5
    mirror_feedback: bool = False  # say one short, kind line on each round's mirroring (always logged)
    input_device: str | None = None
    output_device: str | None = None
    model: str = "tiny.en"  # a name from 'voice-coach models' or a model folder
    language: str = "en"
    threads: int = 2
    # Turn-taking. A pause ends a turn after end_silence_min when Smart Turn and the words both say
    # the thought is finished, otherwise after end_silence_max (docs/benchmarks.md, Turn-taking).
    vad: str = "silero"  # webrtcvad takes kitchen noise, a tap, a bike for speech (docs/benchmarks.md)
    webrtc_aggressiveness: int = 3  # if webrtc: the least fooled by noise (docs/benchmarks.md)
    silero_threshold: float = 0.7  # fewer cut-offs and noise turns than 0.5 (docs/benchmarks.md)
    smart_turn: bool = True  # judge each pause with Smart Turn and the last words (docs/benchmarks.md)
    end_silence: float = 2.8  # no judgement or an unsure one: wait as for unfinished (docs/benchmarks.md)
    end_silence_min: float = 0.6  # a finished thought: answer quickly (docs/benchmarks.md)
    end_silence_max: float = 2.8  # unfinished: outlast a 2.5 s search for words (docs/benchmarks.md)
    complete_above: float = TurnParams.complete_above  # Smart Turn's "finished" (docs/benchmarks.md)
    unfinished_below: float = 0.5  # ... below it the thought is unfinished (docs/benchmarks.md)
    short_pause: float = 0.2  # a breath: judge it, transcribe the words so far (docs/benchmarks.md)
    min_piece: float = 8.0
    max_piece: float = 20.0
    preroll: float = 0.3
    echo_tail: float = 0.4  # the microphone stays shut this long after the coach's last word
    cues: str | None = None  # a TOML file with the coach's wording
    voice: str | None = None  # a pyttsx3 voice id for the coach
    voice_rate: int = 165  # words per minute: calm, a little slower than espeak's 175
    data_dir: str | None = None
    keep_audio: bool = False  # keep a WAV of every turn in the session folder
    no_transcripts: bool = False  # keep timings and metrics only, never the words
    # Offer a time-out when it gets heated (heat.py; docs/benchmarks.md, "Heated moments"); words
    # that tell of danger always stop the exercise, whatever this says (care.py).
    care_check: bool = True
    break_minutes: float = 20.0  # a time-out's length: the coach checks in after it
    country: str | None = None  # whose help lines the coach gives (help.toml); unset: the system locale's

    def gate_params(self) -> GateParams:
        return GateParams(stop_secs=self.short_pause)

    def turn_params(self) -> TurnParams:
        return TurnParams(
            end_silence=self.end_silence, end_silence_min=self.end_silence_min,
            end_silence_max=self.end_silence_max, complete_above=self.complete_above,
            unfinished_below=self.unfinished_below, use_words=self.smart_turn,
            judge_tail=min(0.2, self.short_pause), min_piece=self.min_piece, max_piece=self.max_piece,
            preroll=self.preroll,
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

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _coerce(name: str, kind: Any, value: Any, where: str) -> Any:
    want = {"float": float, "int": int, "str": str}
    base = str(kind).replace(" | None", "")
    if value is None:
        return None
    if base == "bool":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
            return str(value).lower() in ("true", "yes", "on", "1")
        raise UserError(f"{where}: '{name}' should be true or false, not {value!r}")
    try:
        if base == "float" and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if base == "int" and isinstance(value, int) and not isinstance(value, bool):
            return value
        if base == "str":
            return str(value)
        if isinstance(value, str) and base in want:
            return want[base](value)
    except ValueError:
        pass
    raise UserError(f"{where}: '{name}' should be a {base}, not {value!r}")


def load_settings(config: Path | None, overrides: dict[str, Any]) -> Settings:
    """Defaults, then the TOML file, then command-line values that were given."""
    known = {f.name: f.type for f in fields(Settings)}
    values: dict[str, Any] = {}
    if config is not None:
        try:
            data = tomllib.loads(config.read_text(encoding="utf-8"))
        except OSError as e:
            raise UserError(f"cannot read settings file {config}: {e.strerror}") from None
        except tomllib.TOMLDecodeError as e:
            raise UserError(f"settings file {config} is not valid TOML: {e}") from None
        for key, value in data.items():
            name = key.replace("-", "_")
            if name not in known:
                raise UserError(f"settings file {config}: unknown setting '{key}'")
            values[name] = _coerce(name, known[name], value, str(config))
    for name, value in overrides.items():
        if value is not None:
            values[name] = _coerce(name, known[name], value, "command line")
    settings = Settings(**values)
    _validate(settings)
    return settings.replace(country=helplines.check_country(settings.country))


def _validate(s: Settings) -> None:
    if s.exercise not in EXERCISES:
        raise UserError(f"unknown exercise '{s.exercise}': choose one of {', '.join(EXERCISES)}")
    if not (s.flood_minutes > 0 and s.remind_after > 0 and s.pause_after > 0 and s.break_minutes > 0):
        raise UserError("flood_minutes, remind_after, pause_after and break_minutes must be positive")
    if s.long_piece <= 0 or s.pace_wpm <= 0 or s.interruptions < 1 or s.min_breath < 0:
        raise UserError("long_piece, pace_wpm and interruptions must be positive; min_breath at least 0")
    if s.vad not in ("webrtc", "silero"):
        raise UserError(f"vad must be 'webrtc' or 'silero', not '{s.vad}'")
    if not 0 <= s.webrtc_aggressiveness <= 3:
        raise UserError("webrtc_aggressiveness must be 0, 1, 2 or 3")
    if not 0.2 <= s.end_silence <= 10:
        raise UserError(f"end_silence must be between 0.2 and 10 seconds, not {s.end_silence}")
    for name in ("end_silence_min", "end_silence_max"):
        if not 0.2 <= getattr(s, name) <= 10:
            raise UserError(f"{name} must be between 0.2 and 10 seconds, not {getattr(s, name)}")
    if not s.end_silence_min <= s.end_silence_max:
        raise UserError("end_silence_min must not be longer than end_silence_max")
    if not 0.1 <= s.short_pause < min(s.end_silence, s.end_silence_min):
        raise UserError("short_pause must be at least 0.1 s and shorter than end_silence and end_silence_min")
    if not 0 < s.silero_threshold < 1:
        raise UserError(f"silero_threshold must be between 0 and 1, not {s.silero_threshold}")
    if not 0 <= s.unfinished_below <= s.complete_above <= 1:
        raise UserError("need 0 <= unfinished_below <= complete_above <= 1")
    if not 0 < s.voice_margin < 1:
        raise UserError(f"voice_margin must be between 0 and 1, not {s.voice_margin}")
    if s.sender.strip() == "" or s.receiver.strip() == "":
        raise UserError("partners need names")
    if s.sender == s.receiver:
        raise UserError("the two partners need different names")
