"""One cue cache for the whole run: every session here starts in a fresh data folder, and each
would otherwise render all of the coach's cues again (with the neural voice, some 40 s of CPU).
Tests of the cache itself, and of a fresh user, clear the variable (test_cue_cache, test_privacy)."""

import os
import tempfile

from voice_coach.speaking.cue_cache import CACHE_ENV

os.environ.setdefault(CACHE_ENV, tempfile.mkdtemp(prefix="voice-coach-test-cues-"))
