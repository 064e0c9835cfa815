"""The coach's rendered cues kept on disk, so a later session speaks at once instead of
synthesising every phrase again (issue 12: startup took 13-20 s).

One file per phrase, named by a hash of everything that shapes the sound: the text, the voice,
the rate and the synthesiser's identity and version (a new espeak-ng or pyttsx3 makes new files).
Files hold only the coach's own voice; the folder is the data folder's `cache/cues`, owner-only
like the rest of it, and may be deleted at any time. The cache never stops a session: a file that
is missing, truncated or garbled is rendered again, and a folder that cannot be made or written
is skipped with one line on stderr. Writes go to a temporary file renamed into place, so a
reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import sys
import tempfile
import threading
import zlib
from pathlib import Path

import numpy as np

MAGIC = b"VCCUE1\n\0"
_HEADER = struct.Struct("<8sIQ")  # magic, crc32 of the samples, number of samples
SUFFIX = ".cue"


# Another folder for the cue cache, shared by several data folders: the test suite sets it so that
# its hundred sessions, each in a fresh data folder, do not each render every cue again.
CACHE_ENV = "VOICE_COACH_CUE_CACHE"


def cue_cache_dir(data_dir: Path) -> Path:
    return data_dir / "cache" / "cues"


def session_cue_cache(data_dir: Path) -> CueCache:
    """The cache a session uses: its data folder's, unless VOICE_COACH_CUE_CACHE names another."""
    shared = os.environ.get(CACHE_ENV)
    return CueCache(Path(shared) if shared else cue_cache_dir(data_dir))


def cue_key(text: str, voice: str | None, rate: int | None, engine: str) -> str:
    """The file name stem for a phrase: changes with anything that changes its sound."""
    blob = json.dumps({"text": text, "voice": voice, "rate": rate, "engine": engine}, sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def encode(audio: np.ndarray) -> bytes:
    pcm = np.ascontiguousarray(audio, dtype="<i2").tobytes()
    return _HEADER.pack(MAGIC, zlib.crc32(pcm), len(pcm) // 2) + pcm


def decode(blob: bytes) -> np.ndarray | None:
    """The samples, or None for anything but a whole, intact cue file."""
    if len(blob) < _HEADER.size:
        return None
    magic, crc, count = _HEADER.unpack_from(blob)
    pcm = blob[_HEADER.size :]
    if magic != MAGIC or len(pcm) != 2 * count or zlib.crc32(pcm) != crc:
        return None
    return np.frombuffer(pcm, dtype="<i2").astype(np.int16)


class CueCache:
    """Rendered cues by key in one owner-only folder; every failure is a miss, never an error."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._ready: bool | None = None  # None: not tried yet
        self._warned = False
        self._lock = threading.Lock()

    def get(self, key: str) -> np.ndarray | None:
        try:
            blob = (self.folder / (key + SUFFIX)).read_bytes()
        except OSError:
            return None
        return decode(blob)

    def put(self, key: str, audio: np.ndarray) -> bool:
        """Keep `audio` under `key`; False (after one line on stderr) when the folder is unusable."""
        if not self._ensure_folder():
            return False
        tmp: str | None = None
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=SUFFIX, dir=self.folder)  # mode 0600
            with os.fdopen(fd, "wb") as f:
                f.write(encode(audio))
            os.replace(tmp, self.folder / (key + SUFFIX))
            return True
        except OSError as e:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            self._warn(f"cannot write the cue cache in {self.folder} ({e.strerror or e}); rendering instead")
            return False

    def _ensure_folder(self) -> bool:
        with self._lock:
            if self._ready is None:
                try:
                    _private_dirs(self.folder)
                    self._ready = True
                except OSError as e:
                    self._ready = False
                    self._warn(f"no cue cache in {self.folder} ({e.strerror or e}); rendering instead")
            return self._ready

    def _warn(self, message: str) -> None:
        if not self._warned:
            self._warned = True
            print(f"voice-coach: {message}", file=sys.stderr)


def _private_dirs(path: Path) -> None:
    """Make `path` and any missing parents owner-only folders (as the session log does)."""
    missing = [p for p in (path, *path.parents) if not p.is_dir()]
    for p in reversed(missing):
        with contextlib.suppress(FileExistsError):
            p.mkdir(mode=0o700)
        if not p.is_dir():  # a plain file in its place
            raise NotADirectoryError(20, "Not a directory")
        p.chmod(0o700)
    path.chmod(0o700)
    if not os.access(path, os.W_OK | os.X_OK):
        raise PermissionError(13, "Permission denied")
