"""The first step of every reading of words: one function, so the readers cannot drift apart."""

from __future__ import annotations


def folded(text: str) -> str:
    """Lower case, with the typographic apostrophe straightened: Whisper writes "Don’t" as often
    as "don't", and every reader (answers, mirrors, danger, a pause's last words) must see one."""
    return text.lower().replace("\u2019", "'")
