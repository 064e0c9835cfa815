"""Where the partners' voices come from: a microphone, or a file (paced or as fast as possible).

Every source yields 30 ms frames of 16 kHz mono int16 stamped with stream time, whatever the
device or file delivers. The sounddevice callback only copies into a bounded queue and never
blocks; what the input loses is counted and filled with silence (CaptureQueue). Files are read
in blocks (decoded), so memory does not grow with their length. A microphone that goes away
(unplugged, a Bluetooth drop, a sound server restarting) is waited for: the source says so
(MicrophoneLost), reopens it when it can (MicrophoneBack, the time away filled with silence) and
gives up with DeviceLost only after `wait_secs`.
"""

from __future__ import annotations

import contextlib
import math
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ..errors import DeviceLost, UserError, first_line
from .classifiers import FRAME_SAMPLES, SAMPLE_RATE

FRAME_SECS = FRAME_SAMPLES / SAMPLE_RATE


@dataclass(frozen=True)
class Frame:
    t: float
    pcm: np.ndarray  # FRAME_SAMPLES int16
    # Seconds of captured sound already waiting after this frame: how far the loop runs behind
    # the microphone (live, on a busy computer); a cue handed to the speaker now is heard that
    # much later in stream time.
    behind: float = 0.0


@dataclass(frozen=True)
class MicrophoneLost:
    """The microphone stopped sending audio at stream time `t`; the source is waiting for it."""

    t: float


@dataclass(frozen=True)
class MicrophoneBack:
    """The microphone is back at `t`, after `away` seconds (filled with silence before `t`)."""

    t: float
    away: float


class AudioSource(Protocol):
    realtime: bool

    def frames(self) -> Iterator[Frame | MicrophoneLost | MicrophoneBack]: ...

    def stop(self) -> None: ...


_ALSA_HANDLER: Any = None


def quiet_alsa() -> None:
    """Keep libasound's own messages ("underrun occurred") off the terminal: the coach reports
    problems itself, in one line. Linux only; harmless where there is no libasound."""
    global _ALSA_HANDLER
    if _ALSA_HANDLER is not None or not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        asound = ctypes.cdll.LoadLibrary("libasound.so.2")
    except OSError:
        return
    handler_type = ctypes.CFUNCTYPE(
        None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
    )
    _ALSA_HANDLER = handler_type(lambda *_: None)  # kept alive for the process's lifetime
    asound.snd_lib_error_set_handler(_ALSA_HANDLER)


def close_stream(stream: Any, timeout: float = 2.0) -> None:
    """Stop and close a PortAudio stream without hanging when its device or server is gone
    (PortAudio's ALSA backend can block forever in stop() then)."""

    def close() -> None:
        try:
            stream.abort()
            stream.close()
        except Exception:
            pass

    worker = threading.Thread(target=close, name="close-audio", daemon=True)
    worker.start()
    worker.join(timeout)


def to_int16(x: np.ndarray) -> np.ndarray:
    return (np.clip(x, -1.0, 1.0) * 32767.0).astype(np.int16)


class Framer:
    """Cuts 16 kHz int16 pieces of any length into stamped 30 ms frames: stream time counts
    frames, so what goes in must be every sample of the stream (silence where input was lost)."""

    def __init__(self) -> None:
        self._buf = np.zeros(0, dtype=np.int16)
        self._n = 0

    @property
    def t(self) -> float:
        """Stream time of the next frame."""
        return self._n * FRAME_SECS

    def push(self, pcm: np.ndarray, behind: float = 0.0) -> Iterator[Frame]:
        """`behind`: seconds of sound captured after `pcm` and waiting (Frame.behind)."""
        self._buf = np.concatenate([self._buf, pcm])
        while len(self._buf) >= FRAME_SAMPLES:
            frame, self._buf = self._buf[:FRAME_SAMPLES], self._buf[FRAME_SAMPLES:]
            yield Frame(self._n * FRAME_SECS, frame, behind + len(self._buf) / SAMPLE_RATE)
            self._n += 1


class Reframer:
    """Turns float chunks at any rate into stamped 16 kHz int16 frames."""

    def __init__(self, in_rate: int) -> None:
        import soxr

        self._rs = soxr.ResampleStream(in_rate, SAMPLE_RATE, 1, dtype="float32")
        self._same = in_rate == SAMPLE_RATE
        self._framer = Framer()

    @property
    def t(self) -> float:
        return self._framer.t

    def push(self, chunk: np.ndarray, behind: float = 0.0) -> Iterator[Frame]:
        x = chunk.astype(np.float32)
        if not self._same:
            x = self._rs.resample_chunk(x)
        yield from self._framer.push(to_int16(x), behind)


FILE_BLOCK_SECS = 1.0  # of a file decoded at a time: memory stays small however long the file


def _unreadable(path: Path, e: Exception) -> UserError:
    return UserError(f"cannot read audio file {path}: {first_line(e)}")


def decoded(path: Path) -> Iterator[np.ndarray]:
    """A WAV/FLAC/OGG (any file soundfile reads) as 16 kHz mono int16, a block at a time, or a
    one-line UserError. Each block is mixed to mono and resampled by one soxr stream, which gives
    the very samples that resampling the whole file at once does: an hour at 48 kHz stereo is never
    in memory (2.3 GB as float32). Every format soundfile reads, it reads in blocks: no file
    needs the whole-file path."""
    import soundfile as sf
    import soxr

    if not path.is_file():
        raise UserError(f"audio file not found: {path}")
    try:
        f = sf.SoundFile(str(path))
    except Exception as e:  # soundfile raises several types for odd files
        raise _unreadable(path, e) from None
    with f:
        if f.frames == 0:
            raise UserError(f"audio file {path} holds no audio")
        rs = None
        if f.samplerate != SAMPLE_RATE:
            rs = soxr.ResampleStream(f.samplerate, SAMPLE_RATE, 1, dtype="float32")
        blocks = f.blocks(blocksize=max(1, int(f.samplerate * FILE_BLOCK_SECS)), dtype="float32",
                          always_2d=True)
        while True:
            try:
                block = next(blocks)
            except StopIteration:
                break
            except Exception as e:  # a file damaged past its header
                raise _unreadable(path, e) from None
            mono = block.mean(axis=1)
            yield to_int16(mono if rs is None else rs.resample_chunk(mono))
        if rs is not None:
            yield to_int16(rs.resample_chunk(np.zeros(0, dtype=np.float32), last=True))


def load_audio(path: Path) -> np.ndarray:
    """A whole audio file as 16 kHz mono int16 (short clips: cues, voices, tests), or a one-line
    UserError. A session's input is streamed instead (FileSource)."""
    return np.concatenate(list(decoded(path)))


def paced(frames: Iterable[Frame], realtime: bool, stopped: Callable[[], bool]) -> Iterator[Frame]:
    """Frames as fast as the consumer takes them, or each at its stream time like a microphone."""
    t0 = time.monotonic()
    for frame in frames:
        if stopped():
            return
        if realtime:
            delay = t0 + frame.t + FRAME_SECS - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        yield frame


class ArraySource:
    """Audio already in memory, fed as fast as possible or paced like a microphone."""

    def __init__(self, audio: np.ndarray, realtime: bool = False, tail_secs: float = 3.0) -> None:
        pad = np.zeros(int(tail_secs * SAMPLE_RATE), dtype=np.int16)
        self._audio = np.concatenate([audio, pad])
        self.realtime = realtime
        self._stopped = False

    def frames(self) -> Iterator[Frame]:
        n = len(self._audio) // FRAME_SAMPLES
        frames = (Frame(i * FRAME_SECS, self._audio[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES])
                  for i in range(n))
        return paced(frames, self.realtime, lambda: self._stopped)

    def stop(self) -> None:
        self._stopped = True


class FileSource:
    """A recording streamed from its file a block at a time: the same frames, with the same
    times, as ArraySource(load_audio(path)), in memory that does not grow with the file."""

    def __init__(self, path: Path, realtime: bool = False, tail_secs: float = 3.0) -> None:
        next(decoded(path))  # a missing, unreadable or empty file is told before the session starts
        self._path, self._tail = path, tail_secs
        self.realtime = realtime
        self._stopped = False

    def _frames(self) -> Iterator[Frame]:
        framer = Framer()
        for pcm in decoded(self._path):
            yield from framer.push(pcm)
        yield from framer.push(np.zeros(int(self._tail * SAMPLE_RATE), dtype=np.int16))

    def frames(self) -> Iterator[Frame]:
        return paced(self._frames(), self.realtime, lambda: self._stopped)

    def stop(self) -> None:
        self._stopped = True


def file_source(path: Path, realtime: bool = False) -> FileSource:
    return FileSource(path, realtime=realtime)


@dataclass(frozen=True)
class InputHealth:
    """What the microphone's input has lost so far: counted and shown, never hidden. Every lost
    or dropped second was replaced by silence, so later stream times stay true to the clock."""

    overflows: int  # callbacks PortAudio flagged with an input overflow
    lost_secs: float  # input missing by the capture clock (the device or its driver dropped it)
    dropped_secs: float  # input the full queue had no room for (the consumer fell behind)

    @property
    def filled_secs(self) -> float:
        return self.lost_secs + self.dropped_secs


class InputWatch:
    """Input the microphone lost or the queue had no room for (filled with silence, so that times
    stay true) is told each time it grows, once a second at most: never hidden, since words may be
    missing from that moment. A source that cannot lose input (a file) has no `health`."""

    def __init__(self, source: AudioSource) -> None:
        self._health: Callable[[], InputHealth] | None = getattr(source, "health", None)
        self.told: InputHealth | None = None  # what the microphone lost, as last told
        self._next_check = 0.0

    def check(self, t: float) -> InputHealth | None:
        """What was lost so far, when it has grown since last told."""
        if self._health is None or t < self._next_check:
            return None
        self._next_check = t + 1.0
        now = self._health()
        if now == self.told or not (now.overflows or now.filled_secs):
            return None
        self.told = now
        return now


class CaptureClock:
    """Where each captured block belongs on the stream's timeline.

    PortAudio stamps a block with the capture time of its first sample (`inputBufferAdcTime`).
    Measured against the first stamp, it tells how many samples went missing before a block, so
    silence can take their place. Jitter of a few samples is not a gap: only a whole block or more
    is (an overflow loses whole buffers). Where the backend gives no time (0), samples are counted."""

    def __init__(self, rate: int, min_gap: int) -> None:
        self._rate, self._min_gap = rate, min_gap
        self._t0: float | None = None  # capture time of the stream's first sample
        self._samples = 0  # samples placed on the timeline so far, gaps included

    def gap(self, adc_time: float, frames: int) -> int:
        """Samples missing before a block of `frames` captured at `adc_time`; places the block."""
        missing = 0
        if adc_time > 0 and math.isfinite(adc_time):
            if self._t0 is None:
                self._t0 = adc_time - self._samples / self._rate
            missing = round((adc_time - self._t0) * self._rate) - self._samples
            missing = missing if missing >= self._min_gap else 0  # never drop audio for a late stamp
        self._samples += missing + frames
        return missing


class CaptureQueue:
    """Between the input callback and the consumer: bounded (`keep_secs` of audio), and the
    callback never blocks. A block the queue has no room for is counted and owed as silence, as
    is input the capture clock says was lost; the next block carries what is owed before it, and
    the consumer inserts it, so every frame's time stays aligned with the clock."""

    def __init__(self, rate: int, block: int, keep_secs: float = 10.0) -> None:
        self._rate, self._block = rate, block
        self._clock = CaptureClock(rate, block)
        self._queue: queue.Queue[tuple[int, np.ndarray]] = queue.Queue(
            maxsize=max(1, math.ceil(keep_secs * rate / block))
        )
        self._owed = 0  # samples of silence due before the next queued block
        self._overflows = self._lost = self._dropped = 0

    def callback(self, indata: np.ndarray, frames: int, time: Any, status: Any) -> None:
        """The sounddevice input callback: copies, counts, never waits."""
        if getattr(status, "input_overflow", False):
            self._overflows += 1
        missing = self._clock.gap(float(getattr(time, "inputBufferAdcTime", 0.0) or 0.0), frames)
        self._lost += missing
        self._owed += missing
        try:
            self._queue.put_nowait((self._owed, indata[:, 0].copy()))
            self._owed = 0
        except queue.Full:
            self._dropped += frames
            self._owed += frames

    def restart(self) -> None:
        """A new stream on the same queue: its clock starts afresh; what the old one left is dropped."""
        self._clock = CaptureClock(self._rate, self._block)
        self._owed = 0
        with contextlib.suppress(queue.Empty):
            while True:
                self._queue.get_nowait()

    def away(self, secs: float) -> int:
        """The device was gone for `secs`: counted as lost; the samples of silence to fill it with."""
        n = round(secs * self._rate)
        self._lost += n
        return n

    def ready(self, timeout: float) -> bool:
        """Whether a block arrives within `timeout` seconds (it stays queued)."""
        deadline = time.monotonic() + timeout
        while self._queue.empty():
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

    def take(self, timeout: float) -> np.ndarray:
        """The next block, after the silence owed before it; queue.Empty after `timeout` seconds."""
        owed, block = self._queue.get(timeout=timeout)
        if owed:
            return np.concatenate([np.zeros(owed, dtype=block.dtype), block])
        return block

    def health(self) -> InputHealth:
        return InputHealth(self._overflows, self._lost / self._rate, self._dropped / self._rate)

    @property
    def behind(self) -> float:
        """Seconds of sound queued for the consumer."""
        return self._queue.qsize() * self._block / self._rate


WAIT_SECS = 60.0  # how long a session waits for a microphone that went away


class DeviceSource:
    """A PortAudio input device; its callback only copies frames into a bounded queue."""

    realtime = True

    def __init__(self, device: int | str | None = None, stall_secs: float = 2.0,
                 wait_secs: float = WAIT_SECS) -> None:
        import sounddevice as sd

        quiet_alsa()
        try:
            info: Any = sd.query_devices(device, "input")
        except (ValueError, sd.PortAudioError) as e:
            raise UserError(f"no usable input device ({e}); see 'voice-coach devices'") from None
        self.name = str(info["name"])
        self._device = device
        self._rate = int(info["default_samplerate"])
        self._block = int(self._rate * FRAME_SECS)
        self._capture = CaptureQueue(self._rate, self._block)
        self._stall, self._wait = stall_secs, wait_secs
        self._stopped = False
        try:
            self._stream = self._open()
        except sd.PortAudioError as e:
            raise UserError(f"cannot open input device '{self.name}': {e}") from None

    def _open(self) -> Any:
        import sounddevice as sd

        return sd.InputStream(
            device=self._device, channels=1, samplerate=self._rate, dtype="float32", latency="low",
            blocksize=self._block, callback=self._capture.callback,
        )

    def health(self) -> InputHealth:
        return self._capture.health()

    def frames(self) -> Iterator[Frame | MicrophoneLost | MicrophoneBack]:
        reframer = Reframer(self._rate)
        self._stream.start()
        try:
            while not self._stopped:
                try:
                    chunk = self._capture.take(timeout=self._stall)
                except queue.Empty:
                    if self._stopped:
                        return
                    since = time.monotonic() - self._stall  # the last block came about then
                    close_stream(self._stream)
                    yield MicrophoneLost(reframer.t)
                    away = self._come_back(since)
                    if away is None:  # stopped while waiting
                        return
                    yield from reframer.push(np.zeros(self._capture.away(away), dtype=np.float32))
                    yield MicrophoneBack(reframer.t, away)
                    continue
                yield from reframer.push(chunk, self._capture.behind)
        finally:
            close_stream(self._stream)

    def _come_back(self, since: float) -> float | None:
        """Reopen the device until it sends audio again; the seconds it was away (None: the
        session was stopped meanwhile). DeviceLost once `wait_secs` have passed."""
        while not self._stopped and time.monotonic() - since < self._wait:
            time.sleep(min(1.0, self._stall))
            self._capture.restart()
            try:
                self._stream = self._open()
                self._stream.start()
            except Exception:  # still gone (PortAudio says so in many ways)
                continue
            if self._capture.ready(timeout=self._stall):
                return time.monotonic() - since
            close_stream(self._stream)
        if self._stopped:
            return None
        raise DeviceLost(f"the microphone '{self.name}' stopped sending audio and did not come back "
                         f"within {self._wait:g} s")

    def stop(self) -> None:
        self._stopped = True
