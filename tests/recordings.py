from __future__ import annotations

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
