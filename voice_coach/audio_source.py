"""Where the partners' voices come from: a microphone, or a file (paced or as fast as possible).

Every source yields 30 ms frames of 16 kHz mono int16 stamped with stream time, whatever the
device or file delivers; the sounddevice callback only copies into a queue and never blocks.
"""

from __future__ import annotations

import queue
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .classifiers import FRAME_SAMPLES, SAMPLE_RATE
from .errors import DeviceLost, UserError

FRAME_SECS = FRAME_SAMPLES / SAMPLE_RATE


@dataclass(frozen=True)
class Frame:
    t: float
    pcm: np.ndarray  # FRAME_SAMPLES int16


class AudioSource(Protocol):
    realtime: bool

    def frames(self) -> Iterator[Frame]: ...

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


class Reframer:
    """Turns float chunks at any rate into stamped 16 kHz int16 frames."""

    def __init__(self, in_rate: int) -> None:
        import soxr

        self._rs = soxr.ResampleStream(in_rate, SAMPLE_RATE, 1, dtype="float32")
        self._same = in_rate == SAMPLE_RATE
        self._buf = np.zeros(0, dtype=np.int16)
        self._n = 0

    def push(self, chunk: np.ndarray) -> Iterator[Frame]:
        x = chunk.astype(np.float32)
        if not self._same:
            x = self._rs.resample_chunk(x)
        self._buf = np.concatenate([self._buf, to_int16(x)])
        while len(self._buf) >= FRAME_SAMPLES:
            pcm, self._buf = self._buf[:FRAME_SAMPLES], self._buf[FRAME_SAMPLES:]
            yield Frame(self._n * FRAME_SECS, pcm)
            self._n += 1


def load_audio(path: Path) -> np.ndarray:
    """A WAV/FLAC/OGG file as 16 kHz mono int16, or a one-line UserError."""
    import soundfile as sf
    import soxr

    if not path.is_file():
        raise UserError(f"audio file not found: {path}")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as e:  # soundfile raises several types for odd files
        raise UserError(f"cannot read audio file {path}: {str(e).splitlines()[0]}") from None
    if data.size == 0:
        raise UserError(f"audio file {path} holds no audio")
    mono = data.mean(axis=1)
    if rate != SAMPLE_RATE:
        mono = soxr.resample(mono, rate, SAMPLE_RATE)
    return to_int16(mono)


class ArraySource:
    """Audio already in memory, fed as fast as possible or paced like a microphone."""

    def __init__(self, audio: np.ndarray, realtime: bool = False, tail_secs: float = 3.0) -> None:
        pad = np.zeros(int(tail_secs * SAMPLE_RATE), dtype=np.int16)
        self._audio = np.concatenate([audio, pad])
        self.realtime = realtime
        self._stopped = False

    def frames(self) -> Iterator[Frame]:
        t0 = time.monotonic()
        n = len(self._audio) // FRAME_SAMPLES
        for i in range(n):
            if self._stopped:
                return
            t = i * FRAME_SECS
            if self.realtime:
                delay = t0 + t + FRAME_SECS - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
            yield Frame(t, self._audio[i * FRAME_SAMPLES : (i + 1) * FRAME_SAMPLES])

    def stop(self) -> None:
        self._stopped = True


def file_source(path: Path, realtime: bool = False) -> ArraySource:
    return ArraySource(load_audio(path), realtime=realtime)


class DeviceSource:
    """A PortAudio input device; its callback only copies frames into a queue."""

    realtime = True

    def __init__(self, device: int | str | None = None, stall_secs: float = 2.0) -> None:
        import sounddevice as sd

        quiet_alsa()
        try:
            info: Any = sd.query_devices(device, "input")
        except (ValueError, sd.PortAudioError) as e:
            raise UserError(f"no usable input device ({e}); see 'voice-coach devices'") from None
        self.name = str(info["name"])
        self._rate = int(info["default_samplerate"])
        self._channels = 1
        self._queue: queue.Queue[np.ndarray] = queue.Queue()
        self._stall = stall_secs
        self._stopped = False
        try:
            self._stream = sd.InputStream(
                device=device, channels=1, samplerate=self._rate, dtype="float32", latency="low",
                blocksize=int(self._rate * FRAME_SECS), callback=self._callback,
            )
        except sd.PortAudioError as e:
            raise UserError(f"cannot open input device '{self.name}': {e}") from None

    def _callback(self, indata: np.ndarray, frames: int, t: Any, status: Any) -> None:
        self._queue.put_nowait(indata[:, 0].copy())

    def frames(self) -> Iterator[Frame]:
        reframer = Reframer(self._rate)
        self._stream.start()
        try:
            while not self._stopped:
                try:
                    chunk = self._queue.get(timeout=self._stall)
                except queue.Empty:
                    if self._stopped:
                        return
                    raise DeviceLost(f"the microphone '{self.name}' stopped sending audio") from None
                yield from reframer.push(chunk)
        finally:
            close_stream(self._stream)

    def stop(self) -> None:
        self._stopped = True
