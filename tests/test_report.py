"""The report: one self-contained page, kind and plain, that real headless Chromium renders with
its timeline and progress plot, fetching nothing from anywhere."""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from test_store import session_events, write_session

from voice_coach.records import report, store
from voice_coach.records.session_log import read_events

CHROMIUM_OWN_HOSTS = (".google.com", ".googleapis.com", ".gvt1.com", ".gstatic.com")


@pytest.fixture(scope="module")
def data(tmp_path_factory, dialogue_demo) -> Path:
    """A real demo session (today's whole demo dialogue, conftest.py), after five weeks of written
    sessions that got better."""
    r, demo = dialogue_demo
    assert r.returncode == 0, r.stderr
    data = tmp_path_factory.mktemp("report") / "data"
    shutil.copytree(demo / "data" / "sessions", data / "sessions")  # its own folder: the weeks go beside it
    now = dt.datetime.now().replace(microsecond=0)
    history = [("partly", "no", "yes"), ("partly", "yes"), ("yes", "partly", "yes"), ("yes", "yes"),
               ("yes", "yes", "yes")]
    for weeks, answers in zip(range(5, 0, -1), history, strict=True):
        recalls = tuple(0.5 + 0.08 * (5 - weeks) + 0.05 * i for i in range(len(answers)))
        write_session(data, now - dt.timedelta(weeks=weeks, hours=2), answers=answers, recalls=recalls,
                      interruptions=weeks % 2)
    return data


def _demo_id(data: Path) -> str:
    return store.session_ids(data)[-1]


def _visible_text(page: str) -> str:
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    page = re.sub(r"<img [^>]*>", " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_report_is_one_private_self_contained_file(data: Path):
    path = report.write_report(data, _demo_id(data))
    page = path.read_text()
    assert path.parent == data / "reports"
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    assert re.search(r"https?://", page) is None
    assert re.search(r"<(link|iframe|object|embed|script)\b", page) is None
    assert re.search(r"url\(|@import", page) is None
    sources = re.findall(r'\bsrc="([^"]*)"', page)
    assert len(sources) == 3 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert "default-src 'none'" in page  # the page itself refuses to load anything


def test_report_shows_the_session_in_plain_kind_words(data: Path):
    sid = _demo_id(data)
    page = report.build_report(data, sid)
    text = _visible_text(page)
    events = read_events(data / "sessions" / sid / "events.jsonl")
    said = [e["text"] for e in events if e["type"] == "transcript" and e.get("text")]
    assert said and all(html.escape(t, quote=True) in page for t in said)  # their words, escaped
    cues = [e for e in events if e["type"] == "cue"][:3]
    assert len(cues) == 3
    for cue in cues:
        assert html.escape(cue["text"], quote=True) in page  # the coach's cues in the timeline
    for phrase in ("How the conversation went", "Each round", "Pace and pauses", "understood the first time",
                   "Your progress over the weeks", "words a minute", "is easy to follow", "uses nothing from the internet"):
        assert phrase in text, phrase
    for jargon in ("None", "nan", "wpm", "recall", "turn_end", "session_start", "Traceback"):
        assert re.search(rf"\b{jargon}\b", text) is None, jargon
    s = store.load_session(data, sid)
    assert f"{s.understood} of {s.checked}" in text
    assert len(s.partners) == 2
    for p in s.partners:
        assert p in text


def test_progress_across_weeks_is_told_kindly(data: Path):
    text = _visible_text(report.build_report(data, _demo_id(data)))
    assert "You have 6 sessions here" in text
    assert "went up" in text  # from the first weeks' partly-understood pieces to all understood
    assert "Mirroring score" in text and "%" in text


def test_interruptions_are_told_in_plain_words(tmp_path: Path):
    log = write_session(tmp_path, dt.datetime(2026, 10, 5, 20, 0), interruptions=1)
    with log.open("a") as f:
        f.write('{"type": "note", "t": 30.0, "kind": "interruption", "detail": "over_coach: spoke while the coach spoke", "value": 2}\n')
    text = _visible_text(report.build_report(tmp_path, "2026-10-05_20-00-00"))
    assert "An interruption" in text and "spoke while the coach spoke" in text
    assert "over_coach" not in text
    assert "There were 2 interruptions. It happens to everyone" in text


def test_the_coach_answering_too_soon_is_shown_and_not_counted_against_the_couple(tmp_path: Path):
    log = write_session(tmp_path, dt.datetime(2026, 10, 5, 20, 0), interruptions=1)
    with log.open("a") as f:
        f.write('{"type": "note", "t": 30.0, "kind": "cut_off", "detail": "Alex went on as the coach answered"}\n')
    text = _visible_text(report.build_report(tmp_path, "2026-10-05_20-00-00"))
    assert "The coach answered too soon" in text and "Alex went on as the coach answered" in text
    assert "There was 1 interruption." in text


def test_another_voice_is_shown_by_its_length_and_never_counted_as_the_couple_s(tmp_path: Path):
    log = write_session(tmp_path, dt.datetime(2026, 10, 5, 20, 0), interruptions=0)
    with log.open("a") as f:
        f.write('{"type": "note", "t": 31.2, "kind": "another_voice", "turn": 9, "start": 24.0, "value": 6.4, '
                '"detail": "unlike", "likeness": 0.31, "level": -28.0}\n')
    session = store.load_session(tmp_path, "2026-10-05_20-00-00")
    (mark,) = [m for m in session.marks if m.kind == "another_voice"]
    assert mark.t == 24.0 and session.interruptions == 0  # where it was heard; not the couple's doing
    text = _visible_text(report.build_report(tmp_path, "2026-10-05_20-00-00"))
    assert "Another voice in the room" in text and "6 s of speech, a voice unlike both of yours" in text
    assert "0.31" not in text and "unlike:" not in text


def test_a_pause_for_care_is_shown_gently_with_the_help_lines_of_the_session_s_country(tmp_path: Path):
    log = write_session(tmp_path, dt.datetime(2026, 10, 5, 20, 0))
    lines = log.read_text().splitlines()
    start = json.loads(lines[0])
    start["settings"] = {"country": "GB"}
    lines[0] = json.dumps(start)
    lines.append('{"type": "note", "t": 30.0, "kind": "care", "detail": "fear"}')
    lines.append('{"type": "note", "t": 20.0, "kind": "heated", "detail": "blame, louder"}')
    log.write_text("\n".join(lines) + "\n")
    text = _visible_text(report.build_report(tmp_path, "2026-10-05_20-00-00"))
    assert "something was said that matters more than the exercise" in text
    assert "999" in text and "0808 2000 247" in text and "Samaritans, 116 123" in text
    assert "The coach paused for care" in text and "the exercise stopped here" in text
    assert "The coach offered a time-out" in text and "it got heated (blame, louder)" in text
    calm = write_session(tmp_path, dt.datetime(2026, 10, 6, 20, 0))
    assert calm.exists()
    assert "matters more than the exercise" not in _visible_text(report.build_report(tmp_path, "2026-10-06_20-00-00"))


def test_report_copes_with_logs_without_words_and_cut_off_logs(tmp_path: Path):
    day = dt.datetime(2026, 10, 5, 20, 0)
    write_session(tmp_path, day, text=False, ended=None)
    page = report.build_report(tmp_path, "2026-10-05_20-00-00")
    text = _visible_text(page)
    assert "words of this session were not kept" in text and "(words not kept)" in text
    assert "stopped unexpectedly" in text
    assert "I felt worried" not in page
    assert "not measured" in text


def test_report_command_writes_and_opens_it(data: Path, tmp_path: Path):
    opener = tmp_path / "browser.sh"
    opened = tmp_path / "opened.txt"
    opener.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    opener.chmod(0o700)
    out = tmp_path / "ours.html"
    env = {**os.environ, "BROWSER": f"{opener} %s"}
    r = subprocess.run(
        [sys.executable, "-m", "voice_coach", "report", "--data-dir", str(data), "--out", str(out), "--open"],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert r.returncode == 0, r.stderr
    assert out.stat().st_mode & 0o777 == 0o600 and "<!DOCTYPE html>" in out.read_text()
    assert str(out) in r.stdout
    assert opened.read_text().strip() == out.resolve().as_uri()


def test_report_for_a_session_that_holds_nothing(tmp_path: Path):
    (tmp_path / "sessions" / "2026-10-05_20-00-00").mkdir(parents=True)
    with pytest.raises(store.UserError, match="holds no saved events"):
        report.build_report(tmp_path, "2026-10-05_20-00-00")


# ---------------------------------------------------------------------------------------------
# Real headless Chromium


class _Proxy:
    """Chromium's only way out: a local HTTP proxy that answers every request with 502 and
    remembers which host was asked for."""

    def __init__(self) -> None:
        self.hosts: list[str] = []
        self._srv = socket.socket()
        self._srv.bind(("127.0.0.1", 0))
        self._srv.listen(32)
        self.port = self._srv.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._srv.accept()
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                line = conn.recv(4096).split(b"\r\n")[0].decode("latin-1")
            except OSError:
                return
            if line:  # noted before answering, so a page waiting on it is counted before it loads
                target = line.split(" ")[1] if line.count(" ") >= 2 else line
                self.hosts.append(re.sub(r"^[a-z]+://", "", target).split("/")[0].split(":")[0])
            with contextlib.suppress(OSError):
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def page_fetches(self) -> list[str]:
        """Hosts asked for, less Chromium's own update and sign-in services (no page of ours
        names them: the report holds no address at all)."""
        return [h for h in self.hosts if not h.endswith(CHROMIUM_OWN_HOSTS)]

    def close(self) -> None:
        self._srv.close()


def _chromium(page: Path, tmp: Path, proxy: _Proxy, *extra: str) -> subprocess.CompletedProcess:
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary is None:
        pytest.fail("Debian's chromium is needed for this test: run scripts/setup.sh --test")
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    profile.mkdir()
    cmd = [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", f"--proxy-server=http://127.0.0.1:{proxy.port}",
        "--proxy-bypass-list=<-loopback>", *extra, page.resolve().as_uri(),
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    return r


def _solid_rows(rgb: np.ndarray, colour: str, tolerance: int = 6, run: int = 15) -> np.ndarray:
    """Rows of the screenshot holding `run` pixels in a row of this colour: a drawn bar, not the
    anti-aliased edge of some grey text."""
    want = np.array([int(colour[i: i + 2], 16) for i in (1, 3, 5)])
    near = (np.abs(rgb.astype(int) - want).max(axis=2) <= tolerance).astype(np.int32)
    runs = np.cumsum(near, axis=1)
    runs[:, run:] -= runs[:, :-run].copy()  # pixels of the colour in each window of `run`
    return np.where((runs >= run).any(axis=1))[0]


def test_report_renders_in_headless_chromium_and_fetches_nothing(data: Path, tmp_path: Path):
    from PIL import Image

    page = report.write_report(data, _demo_id(data), tmp_path / "report.html")
    proxy = _Proxy()
    try:
        shot = tmp_path / "shot.png"
        _chromium(page, tmp_path, proxy, "--window-size=1000,7000", "--hide-scrollbars", f"--screenshot={shot}")
        dom = _chromium(page, tmp_path, proxy, "--dump-dom").stdout
        assert proxy.page_fetches() == []

        # The checker catches a page that fetches, and the report's policy stops one that tries.
        html_text = page.read_text()
        tracker = '<img src="http://tracker.voice-coach-test.example/pixel.png">'
        tried = tmp_path / "tries-with-our-policy.html"
        tried.write_text(html_text.replace("<main>", "<main>" + tracker))
        _chromium(tried, tmp_path, proxy, "--dump-dom")
        assert proxy.page_fetches() == []
        unguarded = tmp_path / "tries-without-policy.html"
        unguarded.write_text(re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", tried.read_text()))
        _chromium(unguarded, tmp_path, proxy, "--dump-dom")
        assert "tracker.voice-coach-test.example" in proxy.page_fetches()
    finally:
        proxy.close()

    # The DOM Chromium built has the timeline (plot and table) and the progress plot.
    for element in ('<img id="timeline-plot"', '<table id="timeline"', '<img id="progress-plot"',
                    '<table id="rounds"', '<table id="sessions"'):
        assert element in dom, element

    # The screenshot is a rendered page, with each plot drawn: the coach's grey bars exist only in
    # the timeline plot, the purple weekly bars only in the progress plot.
    rgb = np.asarray(Image.open(shot).convert("RGB"))
    assert rgb.shape[1] == 1000 and rgb.shape[0] >= 3000
    inked = (rgb.astype(int).min(axis=2) < 200).mean()  # text, bars and lines, not the page's paper
    assert inked > 0.03  # not blank
    packed = (rgb[..., 0].astype(np.int32) << 16) | (rgb[..., 1].astype(np.int32) << 8) | rgb[..., 2]
    assert len(np.unique(packed)) > 200  # drawn: many shades, not a flat fill
    coach_rows = _solid_rows(rgb, report.COACH_COLOUR)
    week_rows = _solid_rows(rgb, report.PROGRESS_BAR_COLOUR)
    assert len(coach_rows) >= 15 and len(week_rows) >= 15
    assert len(_solid_rows(rgb, report.PARTNER_COLOURS[0])) >= 15
    # and the plots sit where the page puts them: the timeline above the progress over the weeks
    assert coach_rows.max() < week_rows.min()


def test_session_events_helper_matches_the_real_log_format(data: Path):
    """The sessions written for these tests have the fields of a real demo log."""
    real = read_events(data / "sessions" / _demo_id(data) / "events.jsonl")
    made = session_events(dt.datetime(2026, 1, 1))
    for kind in ("session_start", "cue", "turn_start", "turn_end", "transcript", "session_end"):
        real_keys = next(set(e) for e in real if e["type"] == kind)
        made_keys = next(set(e) for e in made if e["type"] == kind)
        assert made_keys <= real_keys, (kind, made_keys - real_keys)
    real_fidelity = next(set(e) for e in real if e.get("kind") == "fidelity")
    assert {"recall", "missed", "added"} <= real_fidelity
