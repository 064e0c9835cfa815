from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def shared_data() -> Path:
    """The real recordings beside the project (see ../shared/data/README.md)."""
    path = ROOT.parent / "shared" / "data"
    if not (path / "refs.tsv").is_file():
        pytest.fail(f"the shared recordings are missing: expected them at {path}")
    return path


def references() -> dict[str, str]:
    rows = (shared_data() / "refs.tsv").read_text().splitlines()[1:]
    return {r.split("\t")[0]: r.split("\t")[2] for r in rows if r.strip()}


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate after lower-casing and dropping punctuation (voice_coach.text.plain)."""
    import jiwer

    from voice_coach.text import plain

    return float(jiwer.wer(plain(reference), plain(hypothesis) or "<empty>"))


@dataclass(frozen=True)
class Clip:
    """Part of a recording under shared data: seconds `start` to `end`, and the words it holds."""

    path: str
    start: float
    end: float | None
    text: str


def write_line(path: Path, parts: list, pause: float = 0.6) -> str:
    """Write a partner's line: recordings (paths under shared data) and synthesised text,
    joined by `pause` seconds of silence, or by a number in `parts` (a pause of that many
    seconds in its place); a Clip is part of a recording. Returns the reference text."""
    import numpy as np
    import soundfile as sf

    from voice_coach.hearing.audio_source import load_audio
    from voice_coach.speaking.voice import Voice

    refs = references()
    gap = np.zeros(int(pause * 16000), dtype=np.int16)
    audio, text = [], []
    for part in parts:
        if isinstance(part, float):
            audio[-1] = np.zeros(int(part * 16000), dtype=np.int16)
            continue
        if isinstance(part, Clip):
            whole = load_audio(shared_data() / part.path)
            end = None if part.end is None else int(part.end * 16000)
            audio.append(whole[int(part.start * 16000): end])
            text.append(part.text)
        elif isinstance(part, tuple):  # (voice id, text) to synthesise
            audio.append(Voice(part[0], 150).render(part[1]))
            text.append(part[1])
        else:
            audio.append(load_audio(shared_data() / part))
            text.append(refs[part])
        audio.append(gap)
    sf.write(path, np.concatenate(audio[:-1]), 16000, subtype="PCM_16")
    return " ".join(text)
