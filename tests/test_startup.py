"""The coach speaks before its models are loaded (issue 12): the opening cue is said while the
models load in the background, the other cues are rendered in the likely order, a model that
fails to load still ends the session with one clear error, and the heavy libraries stay off the
path to the first sound."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from voice_coach import session_models
from voice_coach.app import run_session
from voice_coach.dialogue.exercises import EXERCISES
from voice_coach.dialogue.phrasebook import load_phrasebook
from voice_coach.dialogue.protocol import Dialogue
from voice_coach.errors import UserError
from voice_coach.hearing.audio_source import ArraySource
from voice_coach.records.session_log import read_events
from voice_coach.settings import Settings
from voice_coach.speaking.cue_cache import CACHE_ENV, cue_cache_dir
from voice_coach.speaking.cue_order import flow, likely_texts, opening_texts
from voice_coach.speaking.player import Timeline, TimelinePlayer
from voice_coach.view import ConsoleView

BOOK = load_phrasebook()
FIELDS = Settings().cue_fields()


def test_the_dialogue_is_rendered_in_the_order_it_goes():
    keys = [k for k, _ in flow(EXERCISES["dialogue"], first_use=False)]
    assert keys[:7] == ["welcome", "appointment", "sender_starts", "prompt_mirror", "check", "more", "go_on"]
    assert keys.index("switch") < keys.index("close") and keys[-1] == "close"
    assert [k for k, _ in flow(EXERCISES["appreciation"], first_use=True)][:5] == [
        "safety_note", "appreciation_intro", "appreciation_1", "prompt_mirror", "check"]


def test_with_hellos_each_partner_s_hello_cue_is_rendered_right_after_the_welcome():
    texts = likely_texts(BOOK, EXERCISES["mirroring"], "Alex", "Sam", FIELDS, first_use=False, hello=True)
    assert texts[:3] == [BOOK.say("welcome", "Alex", "Sam"), BOOK.say("hello", "Alex", "Sam"),
                         BOOK.say("hello_next", "Sam", "Alex")]
    assert texts.index(BOOK.say("hello_keep", "Alex", "Sam")) < texts.index(BOOK.say("sender_starts", "Alex", "Sam"))
    hello = Dialogue(EXERCISES["mirroring"], "Alex", "Sam", BOOK, hello=True)
    assert opening_texts(hello, BOOK, FIELDS) == [BOOK.say("welcome", "Alex", "Sam"), BOOK.say("hello", "Alex", "Sam")]


def test_every_cue_is_rendered_for_both_role_orders_once():
    texts = likely_texts(BOOK, EXERCISES["mirroring"], "Alex", "Sam", FIELDS, first_use=False)
    assert len(texts) == len(set(texts))
    assert texts[:3] == [BOOK.say("welcome", "Alex", "Sam"), BOOK.say("sender_starts", "Alex", "Sam"),
                         BOOK.say("prompt_mirror", "Alex", "Sam")]
    for key in BOOK.cues:
        for a, b in (("Alex", "Sam"), ("Sam", "Alex")):
            assert BOOK.say(key, a, b, **FIELDS) in texts
    # after the switch, Sam sends: the second round's prompts name Sam before the other cues
    assert texts.index(BOOK.say("check", "Sam", "Alex")) < texts.index(BOOK.say("paused", "Alex", "Sam"))
    # a partner may speak of danger in the first piece: the care message is ready by then
    care = texts.index(BOOK.say("care_danger", "Alex", "Sam", **FIELDS))
    assert texts.index(BOOK.say("more", "Alex", "Sam")) < care < texts.index(BOOK.say("switch", "Sam", "Alex"))
    # ... and a sender who talks on is stopped in it: "Let's pause there so Sam can mirror" too
    pause = texts.index(BOOK.say("pause_for_mirror", "Alex", "Sam"))
    assert texts.index(BOOK.say("more", "Alex", "Sam")) < pause < texts.index(BOOK.say("switch", "Sam", "Alex"))


def test_the_opening_is_what_the_protocol_says_first():
    def fresh(first_use: bool) -> Dialogue:
        return Dialogue(EXERCISES["dialogue"], "Alex", "Sam", BOOK, first_use=first_use)

    assert opening_texts(fresh(True), BOOK, FIELDS) == [BOOK.say("safety_note", "Alex", "Sam")]
    assert opening_texts(fresh(False), BOOK, FIELDS) == [
        BOOK.say("welcome", "Alex", "Sam"), BOOK.say("appointment", "Alex", "Sam")]


class FirstSound(TimelinePlayer):
    """Notes whether a model was still loading when the first cue was handed over."""

    def __init__(self, loading: threading.Event) -> None:
        super().__init__(Timeline())
        self.loading = loading
        self.still_loading: bool | None = None

    def play(self, audio: np.ndarray, at: float) -> None:
        if self.still_loading is None:
            self.still_loading = not self.loading.is_set()
            self.loading.set()  # now let the model finish
        super().play(audio, at)


def test_the_coach_speaks_while_the_models_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    released = threading.Event()
    real = session_models._smart_turn

    def slow_smart_turn():  # finishes loading only once the coach has spoken
        assert released.wait(60)
        return real()

    monkeypatch.setattr(session_models, "_smart_turn", slow_smart_turn)
    monkeypatch.delenv(CACHE_ENV)  # this session's own cache, in its data folder
    player = FirstSound(released)
    s = Settings(exercise="mirroring", data_dir=str(tmp_path))
    silence = np.zeros(12 * 16000, dtype=np.int16)
    folder = run_session(s, ArraySource(silence), player, ConsoleView(live=False), first_use=False)
    assert player.still_loading is True
    events = read_events(folder / "events.jsonl")
    assert [e["key"] for e in events if e["type"] == "cue"][:2] == ["welcome", "sender_starts"]
    assert events[-1]["reason"] == "audio ended"
    assert list(cue_cache_dir(tmp_path).iterdir())  # the opening, at least, is kept for next time


def test_a_model_that_fails_to_load_ends_the_session_with_its_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    def broken():
        raise UserError("cannot read the voiceprint model /x/pretrained.pt: truncated")

    monkeypatch.setattr(session_models, "_voiceprints", broken)
    s = Settings(exercise="mirroring", data_dir=str(tmp_path))
    player = TimelinePlayer(Timeline())
    with pytest.raises(UserError, match="cannot read the voiceprint model"):
        run_session(s, ArraySource(np.zeros(12 * 16000, dtype=np.int16)), player, ConsoleView(live=False),
                    first_use=False)
    assert player.timeline.coach_clips  # the coach had spoken; the error came when it first listened
    (log,) = (tmp_path / "sessions").glob("*/events.jsonl")
    assert read_events(log)[-1]["reason"].startswith("error: cannot read the voiceprint model")


def test_a_corrupt_model_is_one_line_and_a_non_zero_exit(tmp_path: Path):
    model = tmp_path / "broken-model"
    model.mkdir()
    (model / "model.bin").write_bytes(b"\0garbage" * 100)
    (model / "config.json").write_text("{}")
    silence = tmp_path / "silence.wav"
    import soundfile as sf

    sf.write(str(silence), np.zeros(8 * 16000, dtype=np.int16), 16000)
    r = subprocess.run(
        [sys.executable, "-m", "voice_coach", "practice", "--input-file", str(silence), "--model", str(model),
         "--data-dir", str(tmp_path / "data")], capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot load speech model" in lines[0] and "Traceback" not in r.stderr


def test_the_path_to_the_first_sound_imports_no_heavy_library():
    code = (
        "import sys\n"
        "import voice_coach.cli, voice_coach.app, voice_coach.speaking.voice, voice_coach.session_models\n"
        "heavy = {'faster_whisper', 'ctranslate2', 'onnxruntime', 'tokenizers', 'av'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_numpy_s_products_run_on_one_thread_beside_whisper_s_own():
    """OpenBLAS would otherwise start a spinning thread per core for the loop's numpy work,
    against Whisper's threads on a two-core laptop (voice_coach/__init__.py)."""
    code = (
        "import os, voice_coach, numpy as np\n"
        "a = np.ones((600, 600), np.float32)\n"
        "a @ a\n"
        "print(len(os.listdir('/proc/self/task')))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "1"
