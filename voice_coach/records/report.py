"""One self-contained HTML page about a session and the weeks around it, written for the couple.

Everything is made here, offline: the plots are drawn with matplotlib and inlined as PNG data,
the style is inline, and the page itself forbids loading anything (a Content-Security-Policy of
`default-src 'none'`), so opening it fetches nothing from anywhere.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..coaching.helplines import for_country
from ..coaching.slowdown import CALM_PACE
from ..dialogue.protocol import Step
from ..errors import UserError
from ..settings import NAME
from .session_log import private_dir
from .store import Round, Session, SessionRow, Turn, list_sessions, load_session

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Partners' colours, in the order they appear; the rest are used only inside one plot each,
# so that a test can find each plot on a screenshot by its colour.
PARTNER_COLOURS = ("#2a9d8f", "#e76f51", "#457b9d", "#e9c46a")
MAX_LANES = 8  # speakers in the timeline plot: two partners, and "?" before roles were given
COACH_COLOUR = "#a3acb9"  # the coach's cues, in the timeline plot only
INTERRUPTION_COLOUR = "#c1121f"
PROGRESS_BAR_COLOUR = "#7b6ba8"  # minutes per week, in the progress plot only
PROGRESS_LINE_COLOUR = "#264653"
SCORE_LINE_COLOUR = "#f4a261"
DPI = 150

STEP_WORDS = {
    Step.SHARE.value: "shares",
    Step.MIRROR.value: "mirrors",
    Step.CHECK.value: "answers “did they get it?”",
    Step.MORE.value: "answers “is there more?”",
    Step.APPOINTMENT.value: "asks for a dialogue",
    Step.APPOINTMENT_ANSWER.value: "answers the request",
    Step.SUMMARY.value: "sums up",
    Step.SUMMARY_CHECK.value: "answers “did they get all of it?”",
    Step.VALIDATE.value: "validates",
    Step.EMPATHY.value: "empathises",
    Step.EMPATHY_CHECK.value: "answers “is that how you feel?”",
}
ANSWER_WORDS = {
    "yes": "Yes, got it",
    "partly": "Partly",
    "no": "Not yet",
    "unclear": "(not clear)",
    "going_on": "Went on talking",
    "assumed_yes": "Taken as a yes",
}
MARK_WORDS = {
    "interruption": "An interruption",
    "cut_off": "The coach answered too soon",
    "command": "A spoken command",
    "care": "The coach paused for care",
    "heated": "The coach offered a time-out",
    "another_voice": "Another voice in the room",
}


# ---------------------------------------------------------------------------------------------
# Words


def duration_words(secs: float) -> str:
    secs = max(int(round(secs)), 0)
    if secs < 60:
        return f"{secs} s"
    minutes, rest = divmod(secs, 60)
    if minutes >= 10 or rest == 0:
        return f"{minutes + (1 if rest >= 30 and minutes >= 10 else 0)} min"
    return f"{minutes} min {rest} s"


def clock(t: float) -> str:
    t = max(t, 0.0)
    return f"{int(t // 60):02d}:{int(t % 60):02d}"


def when_words(started: dt.datetime) -> str:
    return f"{started:%A} {started.day} {started:%B %Y} at {started:%H:%M}"


def _percent(x: float | None) -> str:
    return "not measured" if x is None else f"{round(100 * x)}%"


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _names(names: list[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


# ---------------------------------------------------------------------------------------------
# Plots


def _matplotlib_home(data_dir: Path) -> None:
    """matplotlib keeps a font cache; keep it in the data folder (or a temporary one), not in
    the user's other folders."""
    if os.environ.get("MPLCONFIGDIR"):
        return
    try:
        home = private_dir(data_dir / "cache" / "matplotlib")
    except UserError:
        home = Path(tempfile.mkdtemp(prefix="voice-coach-mpl-"))
    os.environ["MPLCONFIGDIR"] = str(home)


def _figure(width: float, height: float) -> Figure:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    fig.patch.set_facecolor("white")
    return fig


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white", metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(plot_id: str, fig: Figure, alt: str) -> str:
    width = int(fig.get_figwidth() * 100)
    data = _png(fig)
    return (
        f'<img id="{plot_id}" class="plot" width="{width}" alt="{_e(alt)}" '
        f'src="data:image/png;base64,{data}">'
    )


def _style(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(labelsize=8)


def _colours(partners: list[str]) -> dict[str, str]:
    return {p: PARTNER_COLOURS[i % len(PARTNER_COLOURS)] for i, p in enumerate(partners)}


def _speakers(s: Session) -> list[str]:
    """The partners, and "?" when some turn's speaker was not known (before roles were given)."""
    return s.partners + (["?"] if any(t.speaker == "?" for t in s.turns) else [])


def _name(who: str) -> str:
    """A speaker as the page names them; a name too long for a label (a damaged log) is cut."""
    if who == "?":
        return "One of you"
    return who if len(who) <= NAME else who[: NAME - 1] + "…"


def timeline_plot(s: Session) -> Figure:
    """Lanes for each partner and the coach; bars where each one spoke."""
    colours = _colours(_speakers(s))
    lanes = [*_speakers(s)[:MAX_LANES], "Coach"]  # a damaged log could name thousands
    fig = _figure(9.0, 0.6 + 0.55 * len(lanes))
    ax = fig.add_subplot()
    for i, who in enumerate(lanes):
        y = len(lanes) - 1 - i
        if who == "Coach":
            spans = [(c.t, max(c.end - c.t, 0.05)) for c in s.cues]
            colour = COACH_COLOUR
        else:
            spans = [(t.start, max(t.duration, 0.05)) for t in s.turns if t.speaker == who]
            colour = colours[who]
        ax.broken_barh(spans, (y - 0.35, 0.7), facecolors=colour)
    for m in s.marks:
        if m.kind == "interruption":
            ax.axvline(m.t, color=INTERRUPTION_COLOUR, linewidth=1.5)
            ax.plot([m.t], [len(lanes) - 0.4], marker="v", color=INTERRUPTION_COLOUR, clip_on=False)
    ax.set_yticks(range(len(lanes)), [_name(n) for n in reversed(lanes)], fontsize=9)
    ax.set_ylim(-0.6, len(lanes) - 0.3)
    ax.set_xlim(0, max(s.seconds, 1.0))
    ax.xaxis.set_major_formatter(_clock_formatter())
    ax.set_xlabel("minutes into the session", fontsize=8)
    _style(ax)
    return fig


def _clock_formatter() -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda x, _pos: clock(x))


def pace_and_pauses_plot(s: Session) -> Figure:
    colours = _colours(_speakers(s))
    fig = _figure(9.0, 3.0)
    pace_ax, pause_ax = fig.subplots(1, 2)
    paced = [t for t in s.turns if t.step in (Step.SHARE.value, Step.MIRROR.value) and t.wpm is not None]
    if paced:
        pace_ax.axhspan(*CALM_PACE, color="#e8f1ee", zorder=0)
        pace_ax.bar(
            range(len(paced)), [t.wpm or 0 for t in paced], color=[colours.get(t.speaker) for t in paced],
        )
        pace_ax.set_xticks(range(len(paced)), [_short_label(t) for t in paced], fontsize=7, rotation=30)
        pace_ax.text(-0.45, CALM_PACE[1] + 2, "easy to follow", fontsize=7, color="#4a7a6a", va="bottom")
        pace_ax.set_ylim(0, max(200, max(t.wpm or 0 for t in paced) * 1.1))
    else:
        pace_ax.text(0.5, 0.5, "No piece was long\nenough to measure.", ha="center", va="center",
                     fontsize=9, transform=pace_ax.transAxes, color="#555")
        pace_ax.set_xticks([])
    pace_ax.set_title("Pace of each piece (words a minute)", fontsize=9)
    answers = [t for t in s.turns if t.step != Step.SHARE.value and t.pause is not None]
    if answers:
        pause_ax.bar(
            range(len(answers)), [t.pause or 0 for t in answers],
            color=[colours.get(t.speaker) for t in answers],
        )
        pause_ax.set_xticks(range(len(answers)), [_short_label(t) for t in answers], fontsize=7, rotation=30)
    pause_ax.set_title("Pause before each answer (seconds)", fontsize=9)
    for ax in (pace_ax, pause_ax):
        _style(ax)
    return fig


def _short_label(t: Turn) -> str:
    verbs = {Step.SHARE.value: "shares", Step.MIRROR.value: "mirrors", Step.CHECK.value: "answers",
             Step.MORE.value: "answers"}
    verb = verbs.get(t.step, t.step[:20])  # a damaged log's step could be any length
    return f"{_name(t.speaker)} {verb}"


def progress_plot(rows: list[SessionRow], current: str) -> Figure:
    """Minutes practised each week, and how well pieces were understood, session by session."""
    import matplotlib.dates as mdates

    fig = _figure(9.0, 4.2)
    weeks_ax, score_ax = fig.subplots(2, 1)
    weekly: dict[dt.date, float] = {}
    for r in rows:
        monday = r.started.date() - dt.timedelta(days=r.started.weekday())
        weekly[monday] = weekly.get(monday, 0.0) + r.minutes
    days = sorted(weekly)
    weeks_ax.bar(days, [weekly[d] for d in days], width=5, align="edge", color=PROGRESS_BAR_COLOUR)
    weeks_ax.set_title("Minutes practised each week", fontsize=9)
    when = [r.started for r in rows]
    first_time = [100 * r.understood / r.checked if r.checked else None for r in rows]
    mirroring = [100 * r.mirroring if r.mirroring is not None else None for r in rows]
    _line(score_ax, when, first_time, PROGRESS_LINE_COLOUR, "understood the first time")
    if any(v is not None for v in mirroring):
        _line(score_ax, when, mirroring, SCORE_LINE_COLOUR, "mirroring score")
    for r, v in zip(rows, first_time, strict=True):
        if r.id == current and v is not None:
            score_ax.plot([r.started], [v], marker="o", markersize=12, fillstyle="none",
                          color=PROGRESS_LINE_COLOUR)
    score_ax.set_ylim(-5, 105)
    score_ax.set_ylabel("%", fontsize=8)
    score_ax.set_title("Session by session", fontsize=9)
    if score_ax.get_lines():
        score_ax.legend(fontsize=7, loc="lower left", frameon=False)
    else:
        score_ax.text(0.5, 0.5, "No piece has been checked yet.", ha="center", va="center", fontsize=9,
                      transform=score_ax.transAxes, color="#555")
    start = min(days[0], min(w.date() for w in when)) if days else dt.date.today()
    end = max(w.date() for w in when) if when else start
    for ax in (weeks_ax, score_ax):
        ax.set_xlim(start - dt.timedelta(days=1), end + dt.timedelta(days=7))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        _style(ax)
    return fig


def _line(ax: Any, when: list[dt.datetime], values: list[float | None], colour: str, label: str) -> None:
    pairs = [(w, v) for w, v in zip(when, values, strict=True) if v is not None]
    if pairs:
        xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
        ax.plot(xs, ys, marker="o", color=colour, linewidth=2, label=label)


# ---------------------------------------------------------------------------------------------
# The page


CSS = """
body { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #1f2a33; background: #fbfaf7; margin: 0; }
main { max-width: 960px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 1.7em; margin: 0.2em 0 0.1em; font-weight: 600; }
h2 { font-size: 1.25em; margin: 1.8em 0 0.4em; font-weight: 600; }
.sub { color: #55626d; margin: 0 0 1em; }
.note { background: #fff7e6; border-left: 4px solid #f4a261; padding: 8px 12px; margin: 1em 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); gap: 12px; }
.card { background: #fff; border: 1px solid #e3e0d8; border-radius: 10px; padding: 12px 14px; }
.card b { display: block; font-size: 1.35em; }
.card span { color: #55626d; font-size: 0.85em; }
.explain { color: #55626d; font-size: 0.92em; }
img.plot { max-width: 100%; height: auto; display: block; margin: 8px 0; background: #fff; }
table { border-collapse: collapse; width: 100%; font-size: 0.93em; background: #fff; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #ece9e2; vertical-align: top; }
th { font-weight: 600; color: #3b4a55; }
.who { font-weight: 600; }
.coach td { color: #6b7680; font-style: italic; }
.mark td { color: #8a5a1c; }
.quote { font-style: italic; }
footer { margin-top: 3em; color: #55626d; font-size: 0.88em; border-top: 1px solid #e3e0d8;
         padding-top: 1em; }
"""


def _who(name: str, colours: dict[str, str]) -> str:
    return f'<span class="who" style="color:{colours.get(name, "#1f2a33")}">{_e(_name(name))}</span>'


def _quote(text: str | None) -> str:
    if text is None:
        return '<span class="explain">(words not kept)</span>'
    if not text.strip():
        return '<span class="explain">(nothing understood)</span>'
    return f'<span class="quote">“{_e(text)}”</span>'


def _cards(s: Session) -> str:
    talk = s.talk()
    total = sum(talk.values()) or 1.0
    balance = " · ".join(f"{_e(p)} {round(100 * secs / total)}%" for p, secs in talk.items()) or "–"
    by_sender: dict[str, int] = {}
    for r in s.rounds:
        by_sender[r.sender] = by_sender.get(r.sender, 0) + 1
    pieces = ", ".join(f"{_e(p)} {n}" for p, n in by_sender.items())
    cards = [
        ("Time together", duration_words(s.seconds), "From the coach’s welcome to the end."),
        ("Pieces shared", f"{len(s.rounds)}" + (f" ({pieces})" if pieces else ""),
         "A piece is one short message from the sender. Short pieces are easier to mirror."),
        ("Understood the first time", f"{s.understood} of {s.checked}" if s.checked else "–",
         "How often the sender said “yes” the first time they were asked “did they get it?”. "
         "A “partly” is no failure: saying it again is how the dialogue works."),
        ("Mirroring score", _percent(s.mirroring),
         "How much of the sender’s words came back in the mirror, on average. A rough guide: "
         "mirroring in your own words counts too."),
        ("Talking time", balance, "Roughly even means both of you had room."),
        ("Interruptions", "none" if s.interruptions == 0 else str(s.interruptions),
         "Times one of you started speaking while the other, or the coach, was still talking."),
    ]
    return '<div class="cards">' + "".join(
        f'<div class="card">{_e(title)}<b>{value}</b><span>{_e(explain)}</span></div>'
        for title, value, explain in cards
    ) + "</div>"


def _kind_words(s: Session) -> list[str]:
    out = []
    if s.checked and s.understood == s.checked:
        out.append("Every piece was understood the first time. Well done, both of you.")
    elif s.checked:
        out.append(
            f"{s.understood} of {s.checked} pieces were understood the first time; the others took "
            "another go, which is the dialogue working as it should."
        )
    if s.rounds and s.interruptions == 0:
        out.append("There were no interruptions: you each let the other finish.")
    elif s.interruptions:
        out.append(
            f"There {'was' if s.interruptions == 1 else 'were'} {_plural(s.interruptions, 'interruption')}. "
            "It happens to everyone; noticing it is the first step."
        )
    talk = s.talk()
    total = sum(talk.values())
    if total > 0 and len(talk) == 2:
        (a, ta), (b, tb) = talk.items()
        pa, pb = round(100 * ta / total), round(100 * tb / total)
        out.append(f"{a} spoke for {pa}% of the time and {b} for {pb}%.")
    return out


def _ending_note(s: Session) -> str:
    damage = (f'<p class="note">Part of this session’s log could not be read ({_e(s.damage)}); '
              "this page shows the rest.</p>") if s.damage else ""
    return damage + _how_it_ended(s)


def _how_it_ended(s: Session) -> str:
    if s.ended is None:
        return ('<p class="note">This session stopped unexpectedly (the program or the computer was '
                "stopped). Everything said until then is here.</p>")
    if s.ended == "interrupted" or s.ended.startswith("device lost"):
        return ('<p class="note">This session was stopped before the end. That is fine: here is what '
                "you did.</p>")
    return ""


def _care_note(s: Session) -> str:
    """Said gently, at the top: something was said that matters more than the exercise."""
    if not any(m.kind == "care" for m in s.marks):
        return ""
    help = for_country(s.country)
    return (
        '<section id="care" class="note"><p>During this session something was said that matters more '
        "than the exercise, and the coach stopped to make room for it. You do not have to carry it "
        f"alone.</p><ul><li>If anyone is in danger right now: {_e(help.emergency)}.</li>"
        f"<li>Violence, fear or threats at home: {_e(help.violence)}.</li>"
        f"<li>Thoughts of harming yourself: {_e(help.crisis)}.</li></ul>"
        "<p>Voice Coach guides a practice; it is not a therapist. A counsellor or a helpline can help "
        "in ways it cannot, and the dialogue can wait until it is safe for both of you.</p></section>"
    )


def _timeline_rows(s: Session, colours: dict[str, str]) -> str:
    items: list[tuple[float, int, str]] = []
    for c in s.cues:
        text = c.text if c.text is not None else c.key
        row = f'<tr class="coach"><td>{clock(c.t)}</td><td>Coach</td><td>{_e(text)}</td></tr>'
        items.append((c.t, 0, row))
    for t in s.turns:
        bits = [f"spoke {duration_words(t.duration)}"]
        if t.pause is not None and t.step != Step.SHARE.value:
            bits.append(f"after a pause of {t.pause:.1f} s")
        if t.wpm is not None and t.step in (Step.SHARE.value, Step.MIRROR.value):
            bits.append(f"{round(t.wpm)} words a minute")
        what = STEP_WORDS.get(t.step, "speaks")
        items.append((t.start, 1, (
            f'<tr><td>{clock(t.start)}</td><td>{_who(t.speaker, colours)} {_e(what)}</td>'
            f'<td>{_quote(t.text)}<br><span class="explain">{_e(", ".join(bits))}</span></td></tr>'
        )))
    for m in s.marks:
        detail = re.sub(r"^[a-z_]+: ", "", m.detail)  # "over_coach: spoke while ..." -> "spoke while ..."
        if m.kind == "care":
            detail = "the exercise stopped here (see the note at the top)"
        elif m.kind == "heated":
            detail = f"it got heated ({m.detail}); a break helps you hear each other again"
        elif m.kind == "another_voice":  # its words were never kept: only how long, and why
            length = f"{m.value:.0f} s of speech" if m.value is not None else "Speech"
            why = "quieter than either of you" if m.detail == "quiet" else "a voice unlike both of yours"
            detail = f"{length}, {why}; not taken as a turn"
        items.append((m.t, 2, (
            f'<tr class="mark"><td>{clock(m.t)}</td><td>{_e(MARK_WORDS.get(m.kind, "A note"))}</td>'
            f"<td>{_e(detail)}</td></tr>"
        )))
    items.sort(key=lambda x: (x[0], x[1]))
    return (
        '<table id="timeline"><thead><tr><th>When</th><th>Who</th><th>What was said</th></tr></thead>'
        "<tbody>" + "".join(row for _, _, row in items) + "</tbody></table>"
    )


def _rounds_table(s: Session, colours: dict[str, str]) -> str:
    if not s.rounds:
        return '<p class="explain">No piece was shared in this session.</p>'
    scored = any(r.recall is not None for r in s.rounds)
    rows = []
    for r in s.rounds:
        mirror = _join_quotes(r.mirror) if r.mirror else "(no mirror)"
        score = f"<td>{_e(_percent(r.recall))}{_missed(r)}</td>" if scored else ""
        rows.append(
            f"<tr><td>{r.number}{' (said again)' if r.again else ''}</td>"
            f"<td>{_who(r.sender, colours)}: {_join_quotes(r.share)}</td>"
            f"<td>{_who(r.receiver, colours)}: {mirror}</td><td>{_e(_answers(r))}</td>{score}</tr>"
        )
    return (
        '<table id="rounds"><thead><tr><th>Round</th><th>The piece</th><th>The mirror</th>'
        f"<th>Did they get it?</th>{'<th>Mirroring score</th>' if scored else ''}</tr></thead><tbody>"
        + "".join(rows) + "</tbody></table>"
    )


def _join_quotes(turns: list[Turn]) -> str:
    return " ".join(_quote(t.text) for t in turns)


def _answers(r: Round) -> str:
    return " → ".join(ANSWER_WORDS.get(a, a) for a in r.answers) or "–"


def _missed(r: Round) -> str:
    if r.feedback:  # after a piece said again, the coach speaks of the whole piece
        about = "On the whole piece: " if r.again else ""
        return f'<br><span class="explain">{_e(about + r.feedback)}</span>'
    if not r.missed:
        return ""
    return f'<br><span class="explain">missed: {_e(", ".join(r.missed))}</span>'


def _progress_words(rows: list[SessionRow]) -> str:
    n = len(rows)
    recent = [r for r in rows if r.started >= rows[-1].started - dt.timedelta(days=28)] if rows else []
    out = [f"You have {_plural(n, 'session')} here"]
    if n > 1:
        minutes = sum(r.minutes for r in recent)
        out[0] += f", {len(recent)} of them in the last four weeks, {duration_words(60 * minutes)} in all"
    out[0] += "."
    rated = [r for r in rows if r.checked]
    if len(rated) >= 4:
        half = len(rated) // 2
        before = sum(r.understood / r.checked for r in rated[:half]) / half
        after = sum(r.understood / r.checked for r in rated[half:]) / (len(rated) - half)
        if after > before + 0.05:
            went = f"{_percent(before)}, then {_percent(after)}"
            out.append(f"Pieces understood the first time went up: {went}.")
        elif after < before - 0.05:
            out.append(
                f"Pieces understood the first time went from {_percent(before)} to {_percent(after)}: "
                "harder topics often do that, and they are worth it."
            )
        else:
            out.append(f"About {_percent(after)} of pieces are understood the first time, steadily.")
    elif n < 3:
        out.append("After a few more sessions you will see here how your practice grows over the weeks.")
    return " ".join(out)


def _sessions_table(rows: list[SessionRow], current: str) -> str:
    body = []
    for r in reversed(rows[-12:]):
        mark = ' style="font-weight:600"' if r.id == current else ""
        body.append(
            f"<tr{mark}><td>{_e(f'{r.started:%a %d %b %Y}')}</td><td>{_e(r.exercise)}</td>"
            f"<td>{_e(duration_words(r.seconds))}</td><td>{r.rounds}</td>"
            f"<td>{f'{r.understood} of {r.checked}' if r.checked else '–'}</td>"
            f"<td>{_e(_percent(r.mirroring))}</td><td>{r.interruptions}</td></tr>"
        )
    return (
        '<table id="sessions"><thead><tr><th>Date</th><th>Exercise</th><th>Time</th><th>Pieces</th>'
        "<th>Understood first time</th><th>Mirroring</th><th>Interruptions</th></tr></thead><tbody>"
        + "".join(body) + "</tbody></table>"
    )


def build_report(data_dir: Path, session_id: str) -> str:
    """The whole page for one session, with the progress of all sessions in the data folder."""
    _matplotlib_home(data_dir)
    s = load_session(data_dir, session_id)
    if s.events == 0:
        why = s.damage or "it holds no saved events"
        raise UserError(f"cannot report on session {session_id}: {why}")
    rows = list_sessions(data_dir)
    colours = _colours(_speakers(s))
    words_note = "" if s.has_text or not s.turns else (
        '<p class="note">The words of this session were not kept, so you see its timings only.</p>'
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
        "style-src 'unsafe-inline'\">",
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Your dialogue, {_e(f'{s.started:%d %B %Y}')}</title>",
        f"<style>{CSS}</style></head><body><main>",
        f"<h1>Your dialogue, {_e(when_words(s.started))}</h1>",
        f'<p class="sub">{_e(_names(s.partners))} · {_e(s.exercise)} · {_e(duration_words(s.seconds))}</p>',
        _ending_note(s),
        _care_note(s),
        words_note,
        _cards(s),
        "".join(f"<p>{_e(line)}</p>" for line in _kind_words(s)),
        '<section id="flow"><h2>How the conversation went</h2>',
        '<p class="explain">Each bar is someone speaking; the grey bars are the coach’s cues, and a red '
        "line marks an interruption. Time runs from left to right.</p>",
        _img("timeline-plot", timeline_plot(s), "Who spoke when, and the coach’s cues"),
        _timeline_rows(s, colours),
        "</section>",
        '<section id="each-round"><h2>Each round</h2>',
        '<p class="explain">A round is one piece from the sender, the mirror, and the sender’s answer to '
        "“did they get it?”. The mirroring score, when measured, is how much of the piece came back.</p>",
        _rounds_table(s, colours),
        "</section>",
        '<section id="pace"><h2>Pace and pauses</h2>',
        _img("pace-plot", pace_and_pauses_plot(s), "Pace of each piece, and the pause before each answer"),
        '<p class="explain">Pace is how many words a minute someone spoke, breaths left out. Around '
        f"{CALM_PACE[0]} to {CALM_PACE[1]} (the shaded band) is easy to follow; slower is fine, and in "
        "this dialogue slow helps the listener. A pause before mirroring or answering is good too: it "
        "means taking it in.</p>",
        "</section>",
        '<section id="progress"><h2>Your progress over the weeks</h2>',
        f"<p>{_e(_progress_words(rows))}</p>",
        _img("progress-plot", progress_plot(rows, s.id), "Minutes practised each week, and understanding"),
        '<p class="explain">The purple bars are the minutes you practised each week. The line shows, for '
        "each session, the share of pieces understood the first time (the ring is this session); the "
        "orange line, when measured, is the mirroring score. Ups and downs are normal.</p>",
        _sessions_table(rows, s.id),
        "</section>",
        "<footer>Made on this computer by Voice Coach. This page uses nothing from the internet and "
        "sends nothing anywhere. It holds your own words, so keep it private and delete it when you no "
        "longer need it; <code>voice-coach forget</code> deletes sessions. Voice Coach guides a practice: "
        "it is not therapy.</footer>",
        "</main></body></html>",
    ]
    return "\n".join(p for p in parts if p)


def reports_dir(data_dir: Path) -> Path:
    return data_dir / "reports"


def write_report(data_dir: Path, session_id: str, out: Path | None = None) -> Path:
    """Write the page, readable by its owner alone; by default into the data folder."""
    page = build_report(data_dir, session_id)
    if out is None:
        out = private_dir(reports_dir(data_dir)) / f"{session_id}.html"
    elif out.is_dir():
        out = out / f"voice-coach-{session_id}.html"
    if not out.parent.is_dir():
        raise UserError(f"cannot write the report: folder {out.parent} does not exist")
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(page)
        os.replace(tmp, out)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise UserError(f"cannot write the report {out}: {e.strerror}") from None
    return out
