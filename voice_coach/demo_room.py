"""The built-in demo: two synthesised partners who answer the coach's cues, as a room would.

The room is an audio source that speaks each scripted line a breath after the coach's next cue
ends, so the demo runs the real loop (speech detection, turns, Whisper, protocol) end to end,
faster than real time into a file, or in real time through the speakers.

With an `Echo`, the microphone it stands for also hears the coach, a moment late and softer, as a
speaker in the room is heard: the loop's shut microphone and its talk-over check then meet the
coach's own voice, faster than real time, as they do live.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .errors import UserError
from .hearing.audio_source import FRAME_SECS, Frame
from .hearing.classifiers import FRAME_SAMPLES, SAMPLE_RATE
from .speaking.cue_cache import CueCache
from .speaking.player import Player, Timeline
from .speaking.voice import Voice


@dataclass(frozen=True)
class Echo:
    """The coach's voice coming back into the microphone from a speaker: `delay` seconds late (the
    output's latency and the way through the air; PulseAudio ~0.1 s) and `gain_db` softer."""

    delay: float = 0.1
    gain_db: float = -6.0

    def __post_init__(self) -> None:
        if self.delay < FRAME_SECS:  # a frame must not hear a cue the loop has not yet said
            raise ValueError(f"an echo's delay must be at least a frame ({FRAME_SECS:.2f} s)")


@dataclass(frozen=True)
class Line:
    who: str
    text: str
    audio: np.ndarray
    after_cue: bool = True  # False: spoken right after the previous line, without a cue
    over_cue: float | None = None  # seconds into the next cue: talking over the coach


def demo_script_path(exercise: str) -> Path:
    path = Path(str(resources.files("voice_coach") / "demo" / f"{exercise}.toml"))
    if not path.is_file():
        raise UserError(f"the demo has no script for '{exercise}' (try dialogue or mirroring)")
    return path


def load_script(
    path: Path, rate: int = 150, pause_secs: float = 0.6, cache: CueCache | None = None
) -> list[Line]:
    """The demo's lines, each rendered in its partner's voice (from `cache` when rendered before)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise UserError(f"cannot read demo script {path}: {e}") from None
    voices = {who: Voice(vid, rate, cache) for who, vid in data.get("voices", {}).items()}
    gap = np.zeros(int(pause_secs * SAMPLE_RATE), dtype=np.int16)
    lines = []
    for item in data.get("line", []):
        voice = voices.get(item["who"]) or Voice(None, rate, cache)
        parts = [voice.render(p) for p in item["text"]]
        audio = np.concatenate([x for p in parts for x in (p, gap)][:-1])
        after_cue = item.get("after", "cue") != "line"
        lines.append(Line(item["who"], " ".join(item["text"]), audio, after_cue))
    return lines


class ScriptedRoom:
    """An audio source whose partners wait for the coach, then speak their next line."""

    def __init__(
        self, lines: list[Line], timeline: Timeline, realtime: bool = False,
        speaker: Player | None = None, gap_secs: float = 0.7, give_up_secs: float = 20.0,
        answer_gap_secs: float = 1.6, echo: Echo | None = None,
    ) -> None:
        self._lines, self._timeline, self.realtime = lines, timeline, realtime
        self._speaker, self._gap, self._give_up = speaker, gap_secs, give_up_secs
        self._answer_gap = answer_gap_secs  # longer than the end silence: a new turn
        self._echo = echo  # None: the microphone hears the partners alone (headphones)
        self._stopped = False
        self.spoken: list[tuple[str, float, float]] = []  # who, start, end: the demo's truth

    def _coach_done_after(self, since: float) -> float | None:
        """End of the coach's last cue, if one started after `since`."""
        ends = [at + len(a) / SAMPLE_RATE for at, a in self._timeline.coach_clips if at >= since]
        return max(ends) if ends else None

    def _echo_into(self, pcm: np.ndarray, t: float) -> np.ndarray:
        """`pcm`, the frame from `t`, with what the microphone hears of the coach then: each cue
        played `delay` earlier, softer by `gain_db`. Only cues already played can sound: the delay
        is at least a frame, and a cue is played at the latest at the end of the frame before."""
        if self._echo is None:
            return pcm
        mix = self._timeline.coach_heard(round((t - self._echo.delay) * SAMPLE_RATE), FRAME_SAMPLES)
        if not mix.any():
            return pcm
        mix = pcm + mix * 10 ** (self._echo.gain_db / 20)
        return np.clip(np.round(mix), -32768, 32767).astype(np.int16)

    def frames(self) -> Iterator[Frame]:
        t0, i, n = time.monotonic(), 0, 0
        current: np.ndarray | None = None
        line_end = 0.0
        while not self._stopped:
            t = n * FRAME_SECS
            if current is None and i < len(self._lines):
                over = self._lines[i].over_cue
                if over is not None:
                    cues = [at for at, _ in self._timeline.coach_clips if at >= line_end]
                    ready = bool(cues) and t >= cues[0] + over
                elif self._lines[i].after_cue:
                    done = self._coach_done_after(line_end)
                    ready = done is not None and t >= done + self._gap
                else:
                    ready = t >= line_end + self._answer_gap
                if ready:
                    line = self._lines[i]
                    current, i = line.audio, i + 1
                    self._timeline.add(t, line.audio)
                    self.spoken.append((line.who, t, t + len(line.audio) / SAMPLE_RATE))
                    if self._speaker is not None:
                        self._speaker.play(line.audio, t)
            if current is not None:
                pcm, current = current[:FRAME_SAMPLES], current[FRAME_SAMPLES:]
                if len(current) == 0:
                    current, line_end = None, t + FRAME_SECS
                pcm = np.pad(pcm, (0, FRAME_SAMPLES - len(pcm)))
            else:
                pcm = np.zeros(FRAME_SAMPLES, dtype=np.int16)
                if t - max(line_end, self._timeline.coach_end) > self._give_up:
                    return
            if self.realtime:
                delay = t0 + t + FRAME_SECS - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            yield Frame(t, self._echo_into(pcm, t))
            n += 1

    def stop(self) -> None:
        self._stopped = True
