"""scripts/bench_all.py: a job's output into the doc's figures blocks (pure; nothing is run)."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "bench_all", Path(__file__).resolve().parent.parent / "scripts" / "bench_all.py")
assert _spec is not None and _spec.loader is not None
bench_all = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_all)

OUTPUT = """\
# scripts/bench_x.py | 2026-12-06 10:00 UTC | commit abc1234 | 2 CPUs | 12 s wall
track: 3.0 min, 40 turns

| setting | cut-offs |
|---|---|
| shipped | 1.0% |

| each turn | sign heard |
|---|---|
| as spoken | 16% |
  | an indented line is not a table
(123 s)
"""


def test_tables_stay_tables_and_the_rest_is_fenced_in_order():
    assert bench_all.to_markdown(OUTPUT) == """\
```text
# scripts/bench_x.py | 2026-12-06 10:00 UTC | commit abc1234 | 2 CPUs | 12 s wall
track: 3.0 min, 40 turns
```

| setting | cut-offs |
|---|---|
| shipped | 1.0% |

| each turn | sign heard |
|---|---|
| as spoken | 16% |

```text
  | an indented line is not a table
(123 s)
```"""


def test_only_text_or_only_a_table():
    assert bench_all.to_markdown("a\n\nb\n") == "```text\na\n\nb\n```"
    assert bench_all.to_markdown("| a |\n|---|\n") == "| a |\n|---|"
    assert bench_all.to_markdown("") == ""


DOC = """\
# Benchmarks

Prose before.

<!-- figures: bench_x -->

| old | table |
|---|---|

<!-- /figures: bench_x -->

Prose between.

<!-- figures: bench_y -->
| kept |
<!-- /figures: bench_y -->
"""


def test_rewrite_replaces_only_the_blocks_of_jobs_given():
    new = bench_all.rewrite(DOC, {"bench_x": "one line\n| t |\n|---|\n"})
    assert new == """\
# Benchmarks

Prose before.

<!-- figures: bench_x -->

```text
one line
```

| t |
|---|

<!-- /figures: bench_x -->

Prose between.

<!-- figures: bench_y -->
| kept |
<!-- /figures: bench_y -->
"""
    assert bench_all.rewrite(new, {"bench_x": "one line\n| t |\n|---|\n"}) == new  # the same again
    assert bench_all.rewrite(DOC, {"bench_z": "x"}) == DOC


def test_a_block_is_closed_by_its_own_job_only():
    doc = "<!-- figures: a -->\nold\n<!-- /figures: b -->\n<!-- /figures: a -->\n"
    assert bench_all.rewrite(doc, {"a": "new"}) == "<!-- figures: a -->\n\n```text\nnew\n```\n\n<!-- /figures: a -->\n"
