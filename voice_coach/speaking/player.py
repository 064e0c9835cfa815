"""Where the coach's cues go: a PortAudio output device, or a timeline in memory (for files)."""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import UserError
from ..hearing.classifiers import SAMPLE_RATE

MARK_ENV = "VOICE_COACH_MARK_FIRST_SOUND"
FIRST_SOUND = "voice-coach: first sound at monotonic"
_marked = False


def mark_first_sound() -> None:
    """With VOICE_COACH_MARK_FIRST_SOUND=1, say on stderr when the first cue's audio reaches the
    output (time.monotonic(), one clock for every process on Linux), for
    scripts/bench_startup.py to time startup from outside; otherwise nothing."""
    global _marked
    if not _marked and os.environ.get(MARK_ENV):
        _marked = True
        print(f"{FIRST_SOUND} {time.monotonic():.6f}", file=sys.stderr, flush=True)


class Player(Protocol):
    def play(self, audio: np.ndarray, at: float) -> None:
        """Queue `audio` (16 kHz int16) to sound after whatever is already queued."""

    def close(self, finish: bool = True) -> None:
        """`finish`: let what is queued sound first (a session's last words); without it (the
        couple pressed Ctrl-C), stop at once."""


def _mix_into(mix: np.ndarray, pos: int, clips: list[tuple[int, np.ndarray]]) -> None:
    """Add each clip (its first sample's index, its samples) where it overlaps `mix`, which holds
    samples [pos, pos + len(mix))."""
    for start, a in clips:
        i = start - pos
        lo, hi = max(i, 0), min(i + len(a), len(mix))
        if lo < hi:
            mix[lo:hi] += a[lo - i : hi - i]


class Timeline:
    """Everything heard in a session, placed at its stream time, to write one WAV afterwards.

    The input recording is only named (add_file): it is read again, a block at a time, when the
    WAV is written, so a long recording is never held in memory."""

    def __init__(self) -> None:
        self._clips: list[tuple[float, np.ndarray]] = []
        self.coach_clips: list[tuple[float, np.ndarray]] = []
        self._files: list[tuple[float, Path]] = []

    def add(self, at: float, audio: np.ndarray, coach: bool = False) -> None:
        self._clips.append((at, audio))
        if coach:
            self.coach_clips.append((at, audio))

    def add_file(self, at: float, path: Path) -> None:
        """An audio file (any rate and channels) to sound from `at`, read when the mix is written."""
        self._files.append((at, path))

    @property
    def coach_end(self) -> float:
        return max((at + len(a) / SAMPLE_RATE for at, a in self.coach_clips), default=0.0)

    def _under(self) -> Iterator[np.ndarray]:
        """The files under the clips, 16 kHz int16 a block at a time, then silence to the last clip."""
        from ..hearing.audio_source import decoded

        pos = 0
        for at, path in sorted(self._files, key=lambda f: f[0]):
            start = int(at * SAMPLE_RATE)
            if start > pos:
                yield np.zeros(start - pos, dtype=np.int16)
                pos = start
            for pcm in decoded(path):  # a file overlapping the one before starts after it
                yield pcm
                pos += len(pcm)
        end = max((int(at * SAMPLE_RATE) + len(a) for at, a in self._clips), default=0)
        while pos < end:
            n = min(end - pos, 10 * SAMPLE_RATE)
            yield np.zeros(n, dtype=np.int16)
            pos += n

    def blocks(self) -> Iterator[np.ndarray]:
        """The whole mix as 16 kHz int16, a block at a time."""
        pos = 0
        for under in self._under():
            mix = under.astype(np.int32)
            _mix_into(mix, pos, [(int(at * SAMPLE_RATE), a) for at, a in self._clips])
            yield np.clip(mix, -32768, 32767).astype(np.int16)
            pos += len(mix)

    def coach_heard(self, first: int, n: int) -> np.ndarray:
        """The coach's cues sounding in samples [first, first + n) of the timeline (float64; clips
        placed at the nearest sample, as an echo hears them)."""
        mix = np.zeros(n, dtype=np.float64)
        _mix_into(mix, first, [(round(at * SAMPLE_RATE), a) for at, a in self.coach_clips])
        return mix

    def render(self) -> np.ndarray:
        return np.concatenate([np.zeros(0, dtype=np.int16), *self.blocks()])

    def write(self, path: Path) -> None:
        """Write the WAV whole or not at all (a temporary file renamed into place): a full disk
        leaves no half a file, and an earlier one at `path` as it was."""
        import soundfile as sf

        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with sf.SoundFile(str(tmp), "w", SAMPLE_RATE, 1, "PCM_16", format=_audio_format(path)) as f:
                for block in self.blocks():  # block by block: a long recording is never held whole
                    f.write(block)
            os.replace(tmp, path)
        except Exception as e:
            tmp.unlink(missing_ok=True)
            raise UserError(f"cannot write {path}: {getattr(e, 'strerror', None) or e}") from None


def _audio_format(path: Path) -> str:
    return path.suffix[1:].upper()


def _same_file(a: Path, b: Path) -> bool:
    """`a` and `b` are one file: the same path once links and '..' are resolved, or one file
    under two names (a hard link)."""
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and os.path.samefile(a, b))
    except (OSError, RuntimeError):  # a loop of links: no file to be the same as
        return False


def check_out(out: Path, recording: Path | None = None) -> Path:
    """The file the session's audio will be written to, checked before the session starts: never
    the recording listened to, of a format that can be written, in a folder that can be written
    (tried by making and removing a file there, as writing it will)."""
    import soundfile as sf

    if recording is not None and _same_file(out, recording):
        raise UserError(f"--out {out} is the recording given with --input-file: give another file name")
    if out.is_dir():
        raise UserError(f"--out {out} is a folder: give a file name ending in .wav")
    fmt = _audio_format(out)
    if fmt not in sf.available_formats() or not sf.check_format(fmt, "PCM_16"):
        raise UserError(f"--out {out}: cannot write audio of that kind; give a file name ending in .wav")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise UserError(f"cannot write --out {out}: {e.strerror}") from None
    return out


class TimelinePlayer:
    """Places cues on a Timeline (to write a file), and passes them on to a device if given."""

    def __init__(self, timeline: Timeline, forward: Player | None = None) -> None:
        self.timeline = timeline
        self._forward = forward

    def play(self, audio: np.ndarray, at: float) -> None:
        self.timeline.add(at, audio, coach=True)
        if self._forward is None:  # a device marks the sound when it takes it
            mark_first_sound()
        if self._forward is not None:
            self._forward.play(audio, at)

    def close(self, finish: bool = True) -> None:
        if self._forward is not None:
            self._forward.close(finish)


class SilentPlayer:
    """Cues that sound nowhere (a recording's session without --out): they are in the log, and
    their audio is not kept, so a long recording's session keeps a flat memory."""

    def play(self, audio: np.ndarray, at: float) -> None:
        mark_first_sound()

    def close(self, finish: bool = True) -> None:
        pass


DEAD_SECS = 1.0  # an output stream whose callback has not run for this long has stopped


class DevicePlayer:
    """A PortAudio output stream that stays open; cues are appended to what it is playing."""

    def __init__(self, device: int | str | None = None) -> None:
        import sounddevice as sd
        import soxr

        from ..hearing.audio_source import quiet_alsa

        quiet_alsa()
        try:
            info: Any = sd.query_devices(device, "output")
        except (ValueError, sd.PortAudioError) as e:
            raise UserError(f"no usable output device ({e}); see 'voice-coach devices'") from None
        self.name = str(info["name"])
        self._rate = int(info["default_samplerate"])
        self._resample = soxr.resample
        self._buf = np.zeros(0, dtype=np.float32)
        self._lock = threading.Lock()
        self._last_callback = time.monotonic()
        self._device = device
        try:
            self._stream = self._open()
        except sd.PortAudioError as e:
            raise UserError(f"cannot open output device '{self.name}': {e}") from None

    def _open(self) -> Any:
        import sounddevice as sd

        stream = sd.OutputStream(
            # ~23 ms blocks: 1.5% of a core when idle instead of 7% at the smallest blocks
            # (measured in the virtual room), for about 40 ms more latency and no underruns.
            device=self._device, channels=1, samplerate=self._rate, dtype="float32",
            latency="low", blocksize=int(self._rate * 0.023), callback=self._callback,
        )
        stream.start()
        self._last_callback = time.monotonic()
        return stream

    def _revive(self) -> None:
        """The stream stopped asking for sound (its device or sound server went away and came
        back): open it again, so that the coach is heard once the speaker is back."""
        from ..hearing.audio_source import close_stream

        if time.monotonic() - self._last_callback < DEAD_SECS:
            return
        close_stream(self._stream)
        with self._lock:
            self._buf = self._buf[:0]  # what the dead stream never played is stale now
        with contextlib.suppress(Exception):  # still gone: the next cue tries again
            self._stream = self._open()

    def _callback(self, outdata: np.ndarray, frames: int, t: Any, status: Any) -> None:
        self._last_callback = time.monotonic()
        with self._lock:
            n = min(frames, len(self._buf))
            outdata[:n, 0] = self._buf[:n]
            outdata[n:, 0] = 0.0
            self._buf = self._buf[n:]
        if n and not _marked:
            mark_first_sound()

    def play(self, audio: np.ndarray, at: float) -> None:
        self._revive()
        x = audio.astype(np.float32) / 32768.0
        if self._rate != SAMPLE_RATE:
            x = self._resample(x, SAMPLE_RATE, self._rate).astype(np.float32)
        with self._lock:
            self._buf = np.concatenate([self._buf, x])

    @property
    def busy(self) -> bool:
        with self._lock:
            return len(self._buf) > 0

    def close(self, finish: bool = True) -> None:
        """Let what is queued finish sounding (while the device still plays), then close; or,
        not `finish`ing, stop at once: a couple who pressed Ctrl-C is not talked at for the rest
        of a cue (the safety note went on for 12 s)."""
        from ..hearing.audio_source import close_stream

        if not finish:
            with self._lock:
                self._buf = self._buf[:0]
        while self.busy and time.monotonic() - self._last_callback < 0.5:
            time.sleep(0.05)
        if time.monotonic() - self._last_callback < 0.5:
            time.sleep(0.2)  # the device's own buffer
        close_stream(self._stream)
