"""The cue cache on disk (issue 12): it round-trips audio, it is owner-only, it is keyed by all that
shapes the sound, anything wrong with it falls back to rendering, and a phrase rendered in the
background is never rendered twice."""

from __future__ import annotations

import functools
import os
import stat
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from rapidfuzz.distance import Indel

from voice_coach.errors import UserError
from voice_coach.hearing.models import resolve_model
from voice_coach.hearing.transcriber import WhisperTranscriber
from voice_coach.speaking.cue_cache import SUFFIX, CueCache, cue_cache_dir, cue_key, decode, encode
from voice_coach.speaking.voice import Voice

TEXT = "Sam, please mirror."
AS_ROOT = os.geteuid() == 0  # root writes through chmod 000


def tone(n: int = 1600) -> np.ndarray:
    return (np.sin(np.arange(n) / 7.0) * 12000).astype(np.int16)


@functools.cache
def _ears() -> WhisperTranscriber:
    return WhisperTranscriber(resolve_model("tiny.en", Path(tempfile.gettempdir())), threads=2)


def says(audio: np.ndarray, text: str, others: list[str]) -> bool:
    """The audio, heard by tiny.en, is nearer `text` than any of `others`, letter by letter (a lone
    word is often misheard: "Resuming." as "presuming"). Not by length: the neural voice's noise
    moves one phrase's length by up to 11% run to run (CI saw "Resuming." at 10883 and 9772
    samples), as much as two cues differ."""
    heard = letters(_ears().transcribe(audio))

    def near(t: str) -> float:
        return Indel.normalized_similarity(letters(t), heard)

    return all(near(text) > near(other) for other in others if other != text)


def letters(text: str) -> str:
    return "".join(c for c in text.lower() if c.isalpha() or c == " ")


def files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*" + SUFFIX))


def test_audio_round_trips_through_the_folder(tmp_path: Path):
    cache = CueCache(tmp_path / "cues")
    audio = tone()
    assert cache.get("k") is None
    assert cache.put("k", audio)
    back = CueCache(tmp_path / "cues").get("k")
    assert back is not None and back.dtype == np.int16 and np.array_equal(back, audio)
    assert decode(encode(audio)) is not None
    assert [p.name for p in (tmp_path / "cues").iterdir()] == ["k" + SUFFIX]  # no temporary file left


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty", "flipped"])
def test_a_damaged_file_reads_as_missing(tmp_path: Path, damage: str):
    cache = CueCache(tmp_path)
    cache.put("k", tone())
    path = tmp_path / ("k" + SUFFIX)
    blob = path.read_bytes()
    path.write_bytes({
        "truncated": blob[: len(blob) // 2], "garbage": os.urandom(len(blob)), "empty": b"",
        "flipped": blob[:-1] + bytes([blob[-1] ^ 1]),
    }[damage])
    assert cache.get("k") is None


def test_the_key_changes_with_text_voice_rate_and_engine():
    base = cue_key(TEXT, "gmw/en", 165, "espeak 1.51")
    assert base == cue_key(TEXT, "gmw/en", 165, "espeak 1.51")
    others = [
        cue_key(TEXT + ".", "gmw/en", 165, "espeak 1.51"), cue_key(TEXT, "gmw/en+f4", 165, "espeak 1.51"),
        cue_key(TEXT, "gmw/en", 150, "espeak 1.51"), cue_key(TEXT, "gmw/en", None, "espeak 1.51"),
        cue_key(TEXT, "gmw/en", 165, "espeak 1.52"),
    ]
    assert len({base, *others}) == 1 + len(others)
    assert "espeak" in Voice("espeak", 165).synth.identity
    assert "piper-tts" in Voice(None, 165).synth.identity and "joe" in Voice(None, 165).synth.identity


def test_a_voice_keeps_its_cues_owner_only_and_a_later_voice_reads_them(tmp_path: Path):
    folder = cue_cache_dir(tmp_path / "data")  # nothing of it exists yet
    first = Voice(None, 165, CueCache(folder))
    audio = first.render(TEXT)
    assert first.synthesised == 1
    (path,) = files(folder)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for d in (folder, folder.parent, folder.parent.parent):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700
    later = Voice(None, 165, CueCache(folder))
    assert np.array_equal(later.render(TEXT), audio) and later.synthesised == 0
    faster = Voice(None, 200, CueCache(folder))  # another rate is another sound
    assert len(faster.render(TEXT)) < len(audio) and faster.synthesised == 1
    assert len(files(folder)) == 2


def test_a_corrupt_cue_is_rendered_again_and_replaced(tmp_path: Path):
    Voice(None, 165, CueCache(tmp_path)).render(TEXT)
    (path,) = files(tmp_path)
    path.write_bytes(path.read_bytes()[:100])
    voice = Voice(None, 165, CueCache(tmp_path))
    again = voice.render(TEXT)
    assert voice.synthesised == 1
    assert says(again, TEXT, ["Alex, is there more?", "Resuming."])
    assert len(path.read_bytes()) > 100  # repaired for next time
    assert np.array_equal(Voice(None, 165, CueCache(tmp_path)).render(TEXT), again)


def test_a_plain_file_where_the_folder_should_be_falls_back_to_rendering(tmp_path: Path, capsys):
    (tmp_path / "cache").write_text("not a folder")
    voice = Voice(None, 165, CueCache(cue_cache_dir(tmp_path)))
    audio = voice.render(TEXT)
    voice.render("Go on, Alex.")
    assert len(audio) > 8000 and voice.synthesised == 2
    assert (tmp_path / "cache").read_text() == "not a folder"
    err = capsys.readouterr().err
    assert err.count("voice-coach:") == 1 and "cue cache" in err  # one line, however many cues
    assert not CueCache(cue_cache_dir(tmp_path)).put("k", tone())


def test_an_unwritable_folder_falls_back_to_rendering(tmp_path: Path, capsys, monkeypatch):
    folder = tmp_path / "cues"
    folder.mkdir(mode=0o700)
    folder.chmod(0)
    if AS_ROOT:  # chmod binds everyone but root: refuse the write as the kernel would anyone else

        def refused(*args, **kwargs):
            raise PermissionError(13, "Permission denied", str(folder))

        monkeypatch.setattr("voice_coach.speaking.cue_cache.tempfile.mkstemp", refused)
    try:
        voice = Voice(None, 165, CueCache(folder))
        assert len(voice.render(TEXT)) > 8000 and voice.synthesised == 1
        voice.render("Go on, Alex.")
        err = capsys.readouterr().err
        assert err.count("voice-coach:") == 1 and "cue cache" in err, err  # one line, however many cues
        assert not CueCache(folder).put("k", tone())
    finally:
        folder.chmod(0o700)


def test_a_missing_folder_is_made_when_first_needed(tmp_path: Path):
    folder = tmp_path / "a" / "b" / "cues"
    cache = CueCache(folder)
    assert cache.get("k") is None and not folder.exists()  # reading makes nothing
    assert cache.put("k", tone()) and folder.is_dir()


def render_behind_the_background(voice: Voice) -> tuple[threading.Thread, list[np.ndarray]]:
    """Render TEXT on another thread, and return once it waits for the background's rendering."""
    got: list[np.ndarray] = []
    foreground = threading.Thread(target=lambda: got.append(voice.render(TEXT)))
    foreground.start()
    deadline = time.monotonic() + 30
    while voice.waiting(TEXT) == 0 and time.monotonic() < deadline:
        time.sleep(0.001)
    return foreground, got


def test_background_and_foreground_render_the_same_phrase_once(tmp_path: Path):
    voice = Voice(None, 165, CueCache(tmp_path))
    entered, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def synthesise(text: str) -> np.ndarray:  # stands in for pyttsx3, held until released
        calls.append(text)
        entered.set()
        assert release.wait(30)
        return tone()

    voice._synthesise = synthesise  # type: ignore[method-assign]
    voice.prefetch([TEXT])
    assert entered.wait(30)  # the background thread is rendering it now
    foreground, got = render_behind_the_background(voice)
    assert voice.waiting(TEXT) == 1  # the foreground waits for the background's rendering
    release.set()
    foreground.join(30)
    voice.close()
    assert calls == [TEXT]
    assert len(got) == 1 and np.array_equal(got[0], tone())
    assert len(files(tmp_path)) == 1


def test_a_failed_background_rendering_is_tried_again_in_the_foreground(tmp_path: Path):
    voice = Voice(None, 165)
    entered, release = threading.Event(), threading.Event()
    calls: list[str] = []

    def synthesise(text: str) -> np.ndarray:
        calls.append(text)
        if len(calls) == 1:
            entered.set()
            assert release.wait(30)
            raise UserError("speech synthesis did not finish")
        return tone()

    voice._synthesise = synthesise  # type: ignore[method-assign]
    voice.prefetch([TEXT])
    assert entered.wait(30)
    foreground, got = render_behind_the_background(voice)
    release.set()
    foreground.join(30)
    voice.close()
    assert calls == [TEXT, TEXT] and np.array_equal(got[0], tone())


def test_prefetch_renders_in_order_once_each_into_memory_and_disk(tmp_path: Path):
    texts = ["Go on, Alex.", "Alex, is there more?", "Alex, did Sam get it?"]
    voice = Voice(None, 165, CueCache(tmp_path))
    calls: list[str] = []
    last = threading.Event()

    def synthesise(text: str) -> np.ndarray:
        calls.append(text)
        if text == texts[-1]:
            last.set()
        return tone(1000 + len(calls))

    voice._synthesise = synthesise  # type: ignore[method-assign]
    voice.render(texts[1])  # asked for in the foreground first: not rendered again
    voice.prefetch([*texts, texts[0]])
    assert last.wait(30)
    voice.close()
    assert calls == [texts[1], texts[0], texts[2]]
    assert len(files(tmp_path)) == 3
    again = Voice(None, 165, CueCache(tmp_path))
    assert [len(again.render(t)) for t in texts] == [1002, 1001, 1003] and again.synthesised == 0


def test_real_synthesis_in_the_background_and_the_foreground(tmp_path: Path):
    """pyttsx3 itself, from two threads: every phrase once, none garbled."""
    texts = ["Go on, Alex.", "Alex, is there more?", "Alex, did Sam get it?", "Resuming."]
    voice = Voice(None, 165, CueCache(tmp_path))
    voice.prefetch(texts)
    heard = [voice.render(t) for t in reversed(texts)]
    voice.close()
    assert voice.synthesised == len(texts)
    solo = Voice(None, 165)
    for t, audio in zip(reversed(texts), heard, strict=True):
        # the words say which phrase; the length (noise moves it by 11% at most) that it is one
        assert says(audio, t, texts) and abs(len(audio) - len(solo.render(t))) < 0.25 * len(audio)


def test_forget_all_deletes_the_cue_cache_but_not_the_models(tmp_path: Path):
    import subprocess
    import sys

    CueCache(cue_cache_dir(tmp_path)).put("k", tone())
    (tmp_path / "cache" / "matplotlib").mkdir()
    (tmp_path / "models" / "base").mkdir(parents=True)
    r = subprocess.run([sys.executable, "-m", "voice_coach", "forget", "--all", "--yes", "--data-dir", str(tmp_path)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert not cue_cache_dir(tmp_path).exists()
    assert (tmp_path / "cache" / "matplotlib").is_dir() and (tmp_path / "models" / "base").is_dir()


def test_a_first_sentence_said_alone_is_joined_with_the_rest_and_kept_whole(tmp_path: Path):
    text = "Before we begin, take a slow breath together. Then say yes."
    voice = Voice(None, 165, CueCache(tmp_path))
    head = voice.head(text)  # what the coach's first sound is on first use (app._begin)
    assert head is not None and voice.synthesised == 1
    whole = voice.render(text)  # only the rest is synthesised, a sentence's breath after it
    assert voice.synthesised == 2 and np.array_equal(whole[: len(head)], head) and len(whole) > len(head) + 8000
    assert says(whole, text, ["Before we begin, take a slow breath together."])
    later = Voice(None, 165, CueCache(tmp_path))
    assert later.ready(text) and later.head(text) is None  # ready: said whole from the cache
    assert np.array_equal(later.render(text), whole) and later.synthesised == 0
    assert voice.head(TEXT) is None  # one sentence: nothing to begin with
