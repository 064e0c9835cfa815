"""Freed memory goes back to the system after each phrase (heap.py): without it a first session,
rendering every cue beside Whisper, grew by a hundred MB and more that it never used again."""

from __future__ import annotations

import ctypes
import sys

import pytest

from voice_coach.heap import give_back


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's heap: Linux")
def test_memory_freed_on_the_heap_is_handed_back():
    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    blocks = []
    for _ in range(20000):  # 80 MB in blocks small enough for the heap, each touched
        p = libc.malloc(4096)
        libc.memset(p, 1, 4096)
        blocks.append(p)
    guard = libc.malloc(64)  # keeps the heap's top in use: only trimming the middle gives it back
    for p in blocks:
        libc.free(p)
    held = _rss_mb()
    give_back()
    assert _rss_mb() < held - 50  # most of the 80 MB
    libc.free(guard)
