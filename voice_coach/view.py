"""What the terminal shows: whose turn it is, a running timer and the last words, calmly.

On a terminal the screen is redrawn in place; otherwise (a pipe, a log) one line per event.
"""

from __future__ import annotations

import shutil
import sys
from typing import TextIO


def clock(t: float) -> str:
    return f"{int(t // 60):02d}:{t % 60:04.1f}"


class ConsoleView:
    def __init__(self, out: TextIO | None = None, live: bool | None = None) -> None:
        self._out = out or sys.stdout
        self._live = self._out.isatty() if live is None else live
        self._status = "Starting"
        self._since = 0.0
        self._last: list[str] = []
        self._drawn_at = -1.0

    def status(self, text: str, t: float) -> None:
        if text == self._status:
            return
        self._status, self._since = text, t
        if not self._live:
            self._line(t, f"-- {text}")
        self._redraw(t)

    def said(self, who: str, text: str, t: float, detail: str = "") -> None:
        line = f'{who}: "{text}"' if text else f"{who}: (nothing understood)"
        self._last = (self._last + [line])[-3:]
        self._line(t, line + (f"  [{detail}]" if detail else ""))
        self._redraw(t)

    def info(self, text: str, t: float = 0.0) -> None:
        self._line(t, text)

    def tick(self, t: float) -> None:
        if self._live and t - self._drawn_at >= 0.25:
            self._redraw(t)

    def _line(self, t: float, text: str) -> None:
        if not self._live:
            print(f"[{clock(t)}] {text}", file=self._out, flush=True)

    def _redraw(self, t: float) -> None:
        if not self._live:
            return
        self._drawn_at = t
        width = min(shutil.get_terminal_size((80, 20)).columns, 100)
        rule = "─" * width
        head = f"  {self._status.upper()}"
        timer = clock(t - self._since)
        lines = ["", rule, "", f"\033[1m{head}{timer.rjust(width - len(head) - 2)}\033[0m", "", rule]
        lines += [f"  {line[: width - 4]}" for line in self._last]
        lines += ["", "  Say \"stop session\" or press Ctrl-C to end."]
        self._out.write("\033[H\033[2J" + "\n".join(lines) + "\n")
        self._out.flush()
