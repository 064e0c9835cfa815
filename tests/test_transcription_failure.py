"""A transcription that fails comes back marked failed with no words: its error text must never be
scored as what a partner said (issue 15, item 6)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_exercises_spoken import line

from voice_coach import app
from voice_coach.demo_room import ScriptedRoom
from voice_coach.events import TranscribeRequest
from voice_coach.hearing.transcriber import TranscriptionWorker
from voice_coach.records.session_log import read_events
from voice_coach.settings import Settings
from voice_coach.speaking.player import Timeline, TimelinePlayer
from voice_coach.view import ConsoleView


class Broken:
    """A transcriber whose every call fails the way a damaged model or a full memory does."""

    def __init__(self) -> None:
        self.calls = 0

    def transcribe(self, audio: np.ndarray, prompt: str | None = None) -> str:
        self.calls += 1
        raise RuntimeError("CUDA out of memory\nsecond line of a long trace")


def test_a_failed_piece_is_marked_failed_with_no_words():
    worker = TranscriptionWorker(Broken())
    try:
        worker.submit(TranscribeRequest(turn=1, start=0.0, end=1.0), np.zeros(16000, dtype=np.int16))
        results = worker.results(wait=True, timeout=5.0)
    finally:
        worker.close()
    assert len(results) == 1
    r = results[0]
    assert r.text == ""
    assert r.failed == "CUDA out of memory"  # one line of detail


def test_a_working_transcriber_is_not_marked_failed():
    class Fine:
        def transcribe(self, audio: np.ndarray, prompt: str | None = None) -> str:
            return "hello"

    worker = TranscriptionWorker(Fine())
    try:
        worker.submit(TranscribeRequest(turn=1, start=0.0, end=1.0), np.zeros(16000, dtype=np.int16))
        (r,) = worker.results(wait=True, timeout=5.0)
    finally:
        worker.close()
    assert (r.text, r.failed) == ("hello", None)


def test_the_loop_hears_no_words_and_logs_a_note(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    broken = Broken()
    monkeypatch.setattr(app, "TranscriptionWorker", lambda _transcriber: TranscriptionWorker(broken))
    lines = [line("Alex", "I felt alone last night when you were late.")]
    timeline = Timeline()
    s = Settings(exercise="mirroring", data_dir=str(tmp_path))
    folder = app.run_session(s, ScriptedRoom(lines, timeline, give_up_secs=8.0), TimelinePlayer(timeline),
                             ConsoleView(live=False), first_use=False)
    events = read_events(folder / "events.jsonl")
    assert broken.calls >= 1
    failed = [e for e in events if e["type"] == "note" and e.get("kind") == "transcription_failed"]
    assert len(failed) == broken.calls
    assert all(e["detail"] == "CUDA out of memory" for e in failed)
    transcripts = [e for e in events if e["type"] == "transcript"]
    assert transcripts, "the turn is still closed with a transcript"
    assert all(e["text"] == "" for e in transcripts)
    assert "failed" not in (folder / "events.jsonl").read_text().replace("transcription_failed", "")
