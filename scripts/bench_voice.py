#!/usr/bin/env python
"""The coach's voice (issue 13): how clearly, how fast and at what pace each voice says every cue.

    .venv/bin/python scripts/bench_voice.py            # the shipped voice and rate, and espeak-ng
    .venv/bin/python scripts/bench_voice.py --sweep    # the pace sweep on the tune half
    .venv/bin/python scripts/bench_voice.py --demo-only  # the demo's memory and WER

Every cue of cues/en.toml, worded for a couple, rendered as a session renders it (voice.Voice,
no cache), then transcribed by the shipped tiny.en as the loop would hear a partner. WER after
lower-casing, dropping punctuation, joining spelt-out digits ("1 8 0 0" = "1800") and writing
alike what is heard alike (contractions spelt out as every reader of words spells them out,
voice_coach.text; British and American spelling: `SAME`).

Split: the cue keys in sorted order, alternately, into a tune half (worded for Alex and Sam) and a
held-out half (worded for Priya and Tom). Only the tune half chooses anything (the pace, in
--sweep); the held-out half and all cues (with the held-out names) are reported.

Rendering: seconds per cue on this machine, the voice already loaded (load time apart), one
onnxruntime thread as in a session. Pace: words a minute over the rendered audio, leading and
trailing silence trimmed. Memory: peak RSS of a whole `voice-coach demo --fast` (an empty cue
cache, so every cue is rendered while the models run), as a child process; and of a later session
in the same data folder, every cue the couple could hear rendered into its cache first (as a
first session's background does over its first minute), so the neural voice is never loaded.
Demo WER: the demo's logged partner transcripts against its script. Late cues: the demo's
mirroring script paced in real time with an empty cue cache; a cue is late when the loop waited
more than 50 ms for it to be rendered (`render_wait` in the log).
"""

from __future__ import annotations

import argparse
import io
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import jiwer  # noqa: E402

from voice_coach.dialogue.phrasebook import load_phrasebook  # noqa: E402
from voice_coach.settings import Settings  # noqa: E402
from voice_coach.speaking.cue_cache import CACHE_ENV, CueCache, cue_cache_dir  # noqa: E402
from voice_coach.text import plain, spelt_out  # noqa: E402

TUNE_NAMES, HELD_NAMES = ("Alex", "Sam"), ("Priya", "Tom")


# Written differently, heard the same (contractions are spelt out by voice_coach.text, as the
# coach reads them): British and American spelling, a web address.
SAME = {"findahelpline": "find a help line", "helpline": "help line", "okay": "ok", "alright": "all right"}


def norm(text: str) -> str:
    """The words as plain() gives them, contractions spelt out, and spellings heard alike made one."""
    text = " " + " ".join(w for word in plain(text).split() for w in spelt_out(word)) + " "
    for written, heard in SAME.items():
        text = text.replace(f" {written} ", f" {heard} ")
    text = re.sub(r"(\w)is(e|es|ed|ing) ", r"\1iz\2 ", text)  # summarise = summarize
    text = re.sub(r"(?<=\d) (?=\d)", "", text.strip())
    return text or "<empty>"


def cue_sets() -> tuple[list[str], list[str], list[str]]:
    book = load_phrasebook(None)
    fields = Settings().cue_fields()
    keys = sorted(book.cues)
    tune = [book.say(k, *TUNE_NAMES, **fields) for k in keys[0::2]]
    held = [book.say(k, *HELD_NAMES, **fields) for k in keys[1::2]]
    every = [book.say(k, *HELD_NAMES, **fields) for k in keys]
    return tune, held, every


def transcriber():
    from voice_coach.hearing.models import resolve_model
    from voice_coach.hearing.transcriber import WhisperTranscriber

    return WhisperTranscriber(resolve_model("tiny.en", Path(tempfile.mkdtemp())), threads=2)


def measure(voice_name: str | None, rate: int, texts: list[str], whisper, reps: int = 1) -> dict:
    """Each text rendered `reps` times afresh (Piper's noise makes each rendering differ)."""
    from voice_coach.speaking.voice import Voice

    t0 = time.perf_counter()
    voice = Voice(voice_name, rate)
    voice.render("Hello.")  # loads the voice
    load = time.perf_counter() - t0
    secs, words, audio_secs, refs, hyps = [], 0, 0.0, [], []
    for text in texts * reps:
        voice = Voice(voice_name, rate)  # no memory of an earlier rendering
        t = time.perf_counter()
        audio = voice.render(text)
        secs.append(time.perf_counter() - t)
        words += len(text.split())
        audio_secs += len(audio) / 16000
        refs.append(norm(text))
        hyps.append(norm(whisper.transcribe(audio)))
    return {
        "voice": voice.synth.name, "rate": rate, "load": load, "wer": jiwer.wer(refs, hyps),
        "wer_names_apart": wer_names_apart(refs, hyps),
        "render_mean": statistics.mean(secs), "render_max": max(secs),
        "render_p95": sorted(secs)[int(0.95 * (len(secs) - 1))], "wpm": 60 * words / audio_secs,
        "errors": [(r, h) for r, h in zip(refs, hyps, strict=True) if r != h],
    }


NAMES = {n.lower() for n in TUNE_NAMES + HELD_NAMES}


def wer_names_apart(refs: list[str], hyps: list[str]) -> float:
    """WER over every word but the partners' names: tiny.en's trouble with a name ("Priya" heard
    as "Korea") is the recogniser's, not the voice's clarity."""
    out = jiwer.process_words(refs, hyps)
    errors, words = out.substitutions + out.deletions + out.insertions, 0
    for ref, chunks in zip(refs, out.alignments, strict=True):
        ref_words = ref.split()
        names = [w for w in ref_words if w in NAMES]
        words += len(ref_words) - len(names)
        for c in chunks:
            if c.type in ("substitute", "delete"):
                errors -= sum(1 for w in ref_words[c.ref_start_idx:c.ref_end_idx] if w in NAMES)
    return errors / words


def row(label: str, m: dict) -> str:
    return (f"| {label} | {m['voice']} | {m['rate']} | {m['wpm']:.0f} | {100 * m['wer']:.1f}% | "
            f"{100 * m['wer_names_apart']:.1f}% | "
            f"{m['render_mean']:.2f} s | {m['render_p95']:.2f} s | {m['render_max']:.2f} s | "
            f"{m['load']:.2f} s |")


HEADER = ("| set | voice | rate setting | measured pace (wpm) | tiny.en WER | names apart | render mean "
          "| p95 | max | load |\n"
          "|---|---|---|---|---|---|---|---|---|---|")


def demo_run(voice: str | None, exercise: str, data_dir: str) -> tuple[float, float, int]:
    """Peak RSS (MB) and partner WER of `voice-coach demo --fast` in `data_dir` (its cue cache is
    the folder's), and its number of cues."""
    from voice_coach.demo_room import demo_script_path, load_script
    from voice_coach.records.session_log import read_events

    before = set(Path(data_dir).glob("sessions/*/events.jsonl"))
    cmd = [str(ROOT / ".venv/bin/voice-coach"), "demo", "--fast", "--exercise", exercise,
           "--data-dir", data_dir, "--out", f"{data_dir}/demo.wav"] + (["--voice", voice] if voice else [])
    # a fresh parent for each run, whose only child is the demo: its peak alone
    wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
               "capture_output=True); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    env = {k: v for k, v in os.environ.items() if k != CACHE_ENV}
    out = subprocess.run([sys.executable, "-c", wrapper, *cmd], check=True, capture_output=True,
                         text=True, env=env)
    peak = float(out.stdout.split()[-1])
    (log,) = set(Path(data_dir).glob("sessions/*/events.jsonl")) - before
    events = read_events(log)
    said = {e["turn"]: e["text"] for e in events if e["type"] == "transcript"}
    heard = " ".join(said[k] for k in sorted(said))
    script = " ".join(line.text for line in load_script(demo_script_path(exercise)))
    cues = sum(1 for e in events if e["type"] == "cue")
    return peak / 1024, jiwer.wer(norm(script), norm(heard)), cues


def late_cues(exercise: str = "mirroring") -> tuple[int, int, float]:
    """Real time, empty cache: cues the loop waited for, of all cues, and the longest wait."""
    from voice_coach.app import run_session
    from voice_coach.demo_room import ScriptedRoom, demo_script_path, load_script
    from voice_coach.records.session_log import read_events
    from voice_coach.speaking.player import Timeline, TimelinePlayer
    from voice_coach.view import ConsoleView

    lines = load_script(demo_script_path(exercise))
    with tempfile.TemporaryDirectory() as tmp:
        timeline = Timeline()
        room = ScriptedRoom(lines, timeline, realtime=True)
        settings = Settings(data_dir=tmp, exercise=exercise, sender=lines[0].who,
                            receiver=next(x.who for x in lines if x.who != lines[0].who))
        quiet = ConsoleView(io.StringIO(), live=False)  # the figures, not the demo's transcript
        run_session(settings, room, TimelinePlayer(timeline), quiet, first_use=False)
        (log,) = Path(tmp).glob("sessions/*/events.jsonl")
        cues = [e for e in read_events(log) if e["type"] == "cue"]
    waits = [e.get("render_wait", 0.0) for e in cues]
    return sum(1 for w in waits if w > 0.05), len(cues), max(waits, default=0.0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sweep", action="store_true", help="the pace sweep on the tune half")
    ap.add_argument("--skip-live", action="store_true", help="no real-time run (late cues)")
    ap.add_argument("--reps", type=int, default=3, help="renderings of each cue (default 3)")
    ap.add_argument("--demo-only", action="store_true", help="only the demo's memory and WER")
    args = ap.parse_args()
    if args.demo_only:
        demo_table()
        return
    tune, held, every = cue_sets()
    whisper = transcriber()
    shipped = Settings()
    print(f"{len(tune)} tune cues (Alex, Sam), {len(held)} held-out cues (Priya, Tom)\n")
    print(HEADER)
    if args.sweep:
        for rate in (135, 145, 155, 165, 175):
            print(row("tune", measure(shipped.voice, rate, tune, whisper, args.reps)), flush=True)
        return
    held_m = measure(shipped.voice, shipped.voice_rate, held, whisper, args.reps)
    print(row("held-out", held_m), flush=True)
    every_m = measure(shipped.voice, shipped.voice_rate, every, whisper, args.reps)
    print(row("all cues", every_m), flush=True)
    espeak = measure("espeak", shipped.voice_rate, every, whisper)  # espeak renders alike every time
    print(row("all cues", espeak))
    print("\nMisheard (all cues, shipped voice):")
    for r, h in every_m["errors"]:
        print(f"  said:  {r}\n  heard: {h}")
    if not args.skip_live:
        late, n, worst = late_cues()
        print(f"\nReal time, empty cue cache (mirroring demo): {late} of {n} cues waited for rendering "
              f"over 50 ms; the longest wait {worst:.2f} s")


def demo_table() -> None:
    print("\n| demo | coach voice | peak memory | partners' WER | cues |\n|---|---|---|---|---|")
    for exercise in ("dialogue", "mirroring"):
        for voice in (None, "espeak"):
            with tempfile.TemporaryDirectory() as tmp:
                peak, wer, n = demo_run(voice, exercise, tmp)
                print(f"| {exercise} | {voice or 'default'} | {peak:.0f} MB | {100 * wer:.1f}% | {n} |",
                      flush=True)
                if voice is None:
                    fill_cache(exercise, Path(tmp))
                    peak, wer, n = demo_run(voice, exercise, tmp)
                    print(f"| {exercise}, a later session (every cue in the cache) | default "
                          f"| {peak:.0f} MB | {100 * wer:.1f}% | {n} |", flush=True)


def fill_cache(exercise: str, data_dir: Path, couple: tuple[str, str] | None = None) -> None:
    """Render into the cue cache of `data_dir` every cue a couple (the demo's, unless given) could
    hear, as a first session does in the background over its first minute or so. A short session
    ends long before that (the renderer, at a low priority, gets through a few cues a run), so a
    second session alone would still load the voice to render the rest."""
    from voice_coach.demo_room import demo_script_path, load_script
    from voice_coach.dialogue.exercises import EXERCISES
    from voice_coach.speaking.cue_order import likely_texts
    from voice_coach.speaking.voice import Voice

    if couple is None:
        lines = load_script(demo_script_path(exercise))
        couple = (lines[0].who, next(line.who for line in lines if line.who != lines[0].who))
    sender, receiver = couple
    s = Settings()
    voice = Voice(s.voice, s.voice_rate, CueCache(cue_cache_dir(data_dir)))  # the demo's own cache
    book = load_phrasebook(None)
    for text in likely_texts(book, EXERCISES[exercise], sender, receiver, s.cue_fields(), False):
        voice.render(text)


if __name__ == "__main__":
    main()
