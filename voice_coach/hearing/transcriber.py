"""Offline speech recognition with faster-whisper, and the one worker thread that runs it."""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import UserError, first_line
from ..events import TranscribeRequest
from ..heap import give_back


class Transcriber(Protocol):
    def transcribe(self, audio: np.ndarray, prompt: str | None = None) -> str: ...


TIMESTAMPS_FROM = 3.0  # seconds: pieces this long are transcribed with timestamps


def require_model(model_dir: Path) -> Path:
    """The model folder, or the one-line error naming what it lacks."""
    missing = [f for f in ("model.bin", "config.json") if not (model_dir / f).is_file()]
    if missing:
        raise UserError(f"speech model folder {model_dir} lacks {', '.join(missing)}")
    return model_dir


THREADS = 2  # both cores of a modest laptop: a piece is transcribed while the partner is silent
LANGUAGE = "en"


class WhisperTranscriber:
    """A CTranslate2 Whisper model loaded from a local folder only, int8 on the CPU."""

    def __init__(self, model_dir: Path, threads: int = THREADS, language: str = LANGUAGE) -> None:
        require_model(model_dir)
        from faster_whisper import WhisperModel

        try:
            self._model = WhisperModel(
                str(model_dir), device="cpu", compute_type="int8", cpu_threads=threads,
                local_files_only=True,
            )
        except Exception as e:  # CTranslate2 reports a corrupt model as RuntimeError or ValueError
            raise UserError(f"cannot load speech model from {model_dir}: {first_line(e)}") from None
        self._language = language

    def transcribe(self, audio: np.ndarray, prompt: str | None = None) -> str:
        x = audio.astype(np.float32) / 32768.0
        # Without timestamps tiny.en often stops at a pause of a second or more inside a piece and
        # drops what follows; short answers hold no such pause and are quicker without
        # (docs/benchmarks.md, "Transcribing pauses", has the figures).
        segments, _ = self._model.transcribe(
            x, language=self._language, beam_size=1, vad_filter=False, condition_on_previous_text=False,
            without_timestamps=len(x) < TIMESTAMPS_FROM * 16000, initial_prompt=prompt,
        )
        text = " ".join(s.text.strip() for s in segments).strip()
        give_back()
        return text


@dataclass(frozen=True)
class Result:
    """A piece's words; or, when `failed` says why in one line, none: an error's text must never
    be taken for what a partner said."""

    request: TranscribeRequest
    text: str
    seconds: float
    failed: str | None = None


class TranscriptionWorker:
    """Runs transcriptions one at a time off the audio path; a request made stale by a longer
    one for the same piece is skipped, so a talkative partner never builds a backlog."""

    def __init__(self, transcriber: Transcriber) -> None:
        self._transcriber = transcriber
        self._jobs: queue.Queue[tuple[TranscribeRequest, np.ndarray, str | None] | None] = queue.Queue()
        self._results: queue.Queue[Result] = queue.Queue()
        self._latest: dict[tuple[int, float], float] = {}
        self._lock = threading.Lock()
        self._busy = 0
        self._thread = threading.Thread(target=self._run, name="transcriber", daemon=True)
        self._thread.start()

    def submit(self, req: TranscribeRequest, audio: np.ndarray, prompt: str | None = None) -> None:
        with self._lock:
            self._latest[(req.turn, req.start)] = req.end
            self._busy += 1
        self._jobs.put((req, audio, prompt))

    def results(self, wait: bool = False, timeout: float | None = None) -> list[Result]:
        out: list[Result] = []
        if wait:
            try:
                out.append(self._results.get(timeout=timeout))
            except queue.Empty:
                return out
        while True:
            try:
                out.append(self._results.get_nowait())
            except queue.Empty:
                return out

    @property
    def idle(self) -> bool:
        with self._lock:
            return self._busy == 0

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            req, audio, prompt = job
            with self._lock:
                stale = self._latest.get((req.turn, req.start), req.end) > req.end
            if not stale:
                t0 = time.perf_counter()
                try:
                    text, failed = self._transcriber.transcribe(audio, prompt), None
                except Exception as e:  # never let one bad piece kill the session
                    text, failed = "", first_line(e)
                self._results.put(Result(req, text, time.perf_counter() - t0, failed))
            with self._lock:
                self._busy -= 1
