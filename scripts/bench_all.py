"""Every benchmark figure from one command: runs the scripts of scripts/ and rewrites the tables.

    .venv/bin/python scripts/bench_all.py                 # every job below, then docs/benchmarks.md
    .venv/bin/python scripts/bench_all.py --only bench_hello bench_voices
    .venv/bin/python scripts/bench_all.py --soak          # ... and the two soaks (2 h or more)
    .venv/bin/python scripts/bench_all.py --list          # the jobs, their commands and rough durations
    .venv/bin/python scripts/bench_all.py --dry-run       # runs nothing, writes nothing: what would change

Why: the figures in docs/benchmarks.md were typed in by hand from each script's output, so nobody
could tell which run, on which commit, a figure came from. Here each job is one script with the
arguments the doc's own commands use, run with the shipped settings as a child process
(`sys.executable`), one at a time: the live and timing runs must have the machine to themselves.
Do not run anything else meanwhile.

Each job's stdout is saved verbatim to docs/figures/<job>.txt under a first comment line: the
command, the date (UTC), the commit (`+changes` when the tracked files differ from it), the CPUs
and the wall time. A job that fails (non-zero exit) keeps its previous file and is reported at the
end, and this script then exits non-zero. Its stderr (progress) goes to the terminal.

Then every block of docs/benchmarks.md between `<!-- figures: JOB -->` and `<!-- /figures: JOB -->`
is replaced by docs/figures/JOB.txt: lines that form markdown tables (consecutive lines starting
with `|`) as tables, every other line in a ```text fence, in the output's order. Blocks are
rewritten from the saved files, so `--only` still leaves every block matching its file. Prose
outside the blocks is never touched.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ROOT / "docs" / "figures"
DOC = ROOT / "docs" / "benchmarks.md"

# name: (script and arguments, rough duration from the docs and docstrings)
JOBS: dict[str, tuple[list[str], str]] = {
    "bench_conversation": (["bench_conversation.py"], "~12 min cold, ~3 min with the model answers cached"),
    "bench_turns": (["bench_turns.py", "--sweep"], "19 min cold without --sweep, more with it"),
    "bench_turns_paces": (["bench_turns.py", "--paces"], "7 min cold, 1-2 min cached"),
    "bench_smart_turn_kernels": (["bench_smart_turn_kernels.py"], "seconds"),
    "bench_pause_wer": (["bench_pause_wer.py"], "~3 min"),
    "bench_over_coach": (["bench_over_coach.py"], "~7 min (held-out part)"),
    "bench_over_coach_sweep": (["bench_over_coach.py", "--sweep"], "~22 min (tune part, five rules)"),
    "bench_voices": (["bench_voices.py"], "~2 min"),
    "bench_loop": (["bench_loop.py"], "~13 min, live (virtual room)"),
    "bench_startup": (["bench_startup.py", "--runs", "7"], "a minute or two, live (virtual room)"),
    "train_care": (["train_care.py"], "~4 min once bench_care has heard the sets; retrains the classifier"),
    "bench_care": (["bench_care.py"], "~45 min cold (four voices), ~6 min once heard"),
    "bench_care_blind_14": (["bench_care.py", "--sets", "blind 14 (held out)"],
                            "~30 min cold, seconds once heard"),
    "bench_care_text": (["bench_care.py", "--text-only"], "seconds (every set as written)"),
    "bench_heat": (["bench_heat.py"], "not given"),
    "bench_heat_sweep": (["bench_heat.py", "--sweep"], "not given"),
    "bench_hello": (["bench_hello.py"], "not given"),
    "bench_voice": (["bench_voice.py"], "~10 min, with a real-time demo"),
    "bench_voice_sweep": (["bench_voice.py", "--sweep"], "~5 min"),
    "bench_voice_demo": (["bench_voice.py", "--demo-only"], "not given (a few demo runs)"),
    "faults": (["faults.py"], "~3 min"),
}
SOAKS: dict[str, tuple[list[str], str]] = {
    "soak_file": (["soak.py", "--file"], "120 min of input through --input-file; wall time not given"),
    "soak_live": (["soak.py", "--live"], "20 min, live (virtual room)"),
}

BLOCK = re.compile(r"(<!-- figures: (\S+) -->\n).*?(<!-- /figures: \2 -->)", re.DOTALL)


def to_markdown(output: str) -> str:
    """A job's output as markdown: runs of lines starting with `|` as tables, every other run of
    lines in a ```text fence (blank lines at its ends dropped), in the output's order."""
    chunks: list[tuple[bool, list[str]]] = []  # (is a table, its lines)
    for line in output.splitlines():
        table = line.startswith("|")
        if chunks and chunks[-1][0] == table:
            chunks[-1][1].append(line)
        else:
            chunks.append((table, [line]))
    parts = []
    for table, lines in chunks:
        if table:
            parts.append("\n".join(lines))
        else:
            text = "\n".join(lines).strip("\n")
            if text.strip():
                parts.append(f"```text\n{text}\n```")
    return "\n\n".join(parts)


def rewrite(doc: str, outputs: dict[str, str]) -> str:
    """The doc with every figures block of a job in `outputs` replaced by its output as markdown;
    blocks of other jobs are left as they are."""

    def block(m: re.Match[str]) -> str:
        job = m.group(2)
        if job not in outputs:
            return m.group(0)
        return f"{m.group(1)}\n{to_markdown(outputs[job])}\n\n{m.group(3)}"

    return BLOCK.sub(block, doc)


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()


def commit() -> str:
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return git("rev-parse", "--short", "HEAD") + ("+changes" if dirty else "")


def run(job: str, args: list[str], at: str) -> bool:
    """Runs one job, its stdout shown and saved to docs/figures/<job>.txt when it succeeds."""
    cmd = [sys.executable, str(Path("scripts") / args[0]), *args[1:]]
    shown = shlex.join([os.path.relpath(sys.executable, ROOT) if ROOT in Path(sys.executable).parents
                        else sys.executable, *cmd[1:]])
    print(f"\n== {job}: {shown}", file=sys.stderr, flush=True)
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    t0 = time.monotonic()
    out = b""
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.buffer.write(line)
            sys.stdout.buffer.flush()
            out += line
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        print(f"== {job}: exit {proc.returncode} after {wall:.0f} s; docs/figures/{job}.txt kept",
              file=sys.stderr)
        return False
    head = f"# {shown} | {date} | commit {at} | {os.cpu_count()} CPUs | {wall:.0f} s wall\n"
    FIGURES.mkdir(parents=True, exist_ok=True)
    (FIGURES / f"{job}.txt").write_bytes(head.encode() + out)
    return True


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--only", nargs="+", metavar="NAME", help="run only these jobs")
    ap.add_argument("--soak", action="store_true", help="also the soaks (soak.py --file and --live)")
    ap.add_argument("--list", action="store_true", help="list the jobs and their rough durations")
    ap.add_argument("--dry-run", action="store_true",
                    help="run and write nothing: the commands, and the blocks the saved files would change")
    args = ap.parse_args(argv)
    every = {**JOBS, **SOAKS}
    jobs = dict(JOBS, **(SOAKS if args.soak else {}))
    if args.only:
        unknown = [n for n in args.only if n not in every]
        if unknown:
            ap.error(f"unknown job(s): {', '.join(unknown)}; see --list")
        jobs = {n: every[n] for n in args.only}
    if args.list:
        for name, (cmd, secs) in every.items():
            soak = " (with --soak)" if name in SOAKS else ""
            print(f"{name:20s} scripts/{shlex.join(cmd):32s} {secs}{soak}")
        return 0

    failed = []
    if args.dry_run:
        for name, (cmd, _) in jobs.items():
            print(f"would run {name}: scripts/{shlex.join(cmd)}")
    else:
        at = commit()  # before any figures file is rewritten
        failed = [name for name, (cmd, _) in jobs.items() if not run(name, cmd, at)]

    doc = DOC.read_text(encoding="utf-8")
    outputs = {p.stem: p.read_text(encoding="utf-8", errors="replace") for p in sorted(FIGURES.glob("*.txt"))}
    blocks = [m.group(2) for m in BLOCK.finditer(doc)]
    for job in blocks:
        if job not in every:
            print(f"docs/benchmarks.md: a block for an unknown job: {job}", file=sys.stderr)
    new = rewrite(doc, outputs)
    changed = [j for j in blocks if j in outputs and rewrite(doc, {j: outputs[j]}) != doc]
    if args.dry_run:
        print(f"docs/benchmarks.md: would rewrite {', '.join(changed) or 'no block'}")
    elif new != doc:
        DOC.write_text(new, encoding="utf-8")
        print(f"docs/benchmarks.md: rewrote {', '.join(changed)}", file=sys.stderr)
    if failed:
        print(f"failed: {', '.join(failed)} (their previous figures kept)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
