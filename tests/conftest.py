"""One cue cache for the whole run: every session here starts in a fresh data folder, and each
would otherwise render all of the coach's cues again (with the neural voice, some 40 s of CPU).
Tests of the cache itself, and of a fresh user, clear the variable (test_cue_cache, test_privacy)."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from voice_coach.speaking.cue_cache import CACHE_ENV

os.environ.setdefault(CACHE_ENV, tempfile.mkdtemp(prefix="voice-coach-test-cues-"))

# One unpacked sentence model for the whole run too (care_model.py), not 90 MB in each data folder.
from voice_coach.coaching.sentence_encoder import MODEL_CACHE_ENV  # noqa: E402

os.environ.setdefault(MODEL_CACHE_ENV, tempfile.mkdtemp(prefix="voice-coach-test-minilm-"))

import pytest  # noqa: E402
from offline_demo import OfflineDemo, run_offline_demo  # noqa: E402


@pytest.fixture(scope="session")
def offline_demo(tmp_path_factory: pytest.TempPathFactory) -> OfflineDemo:
    """A fresh user's mirroring demo under the privacy guard, run once: test_privacy checks where
    it wrote and that it never reached for the network; test_cli checks what it said and kept."""
    return run_offline_demo(tmp_path_factory.mktemp("offline-demo"))


@pytest.fixture(scope="session")
def dialogue_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess, Path]:
    """One run of the whole demo dialogue as a user starts it (`voice-coach demo`, here with
    `--out`), looked at by test_cli (what it said, kept and wrote) and test_report (its session)."""
    tmp = tmp_path_factory.mktemp("dialogue")
    r = subprocess.run([sys.executable, "-m", "voice_coach", "demo", "--out", str(tmp / "demo.wav"),
                        "--data-dir", str(tmp / "data")], capture_output=True, text=True, timeout=300)
    return r, tmp
