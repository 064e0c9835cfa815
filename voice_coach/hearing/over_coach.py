"""Hearing a partner over the coach's own voice, without cancelling the echo.

While the coach speaks the microphone hears it too, so the speech classifier is not asked then.
But the loop knows what the coach said and when. In each 30 ms frame and each of 20 bands, the
coach's echo can be no louder than the cue itself was there a moment earlier (the room's delay,
with its reverberation dying away) times the room's gain. Energy well above that bound, in several
bands, for a fifth of a second or more, is another voice. The delay and the gain are learnt from the
cues as they are played, so nothing is calibrated in advance; without any echo (headphones, a
file) the bound is the room's own noise floor.

Each cue is judged once its echo has died away: a note for the log, never a reaction while the
coach speaks. Numbers only, no I/O and no clock (tests feed it arrays).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .classifiers import FRAME_SAMPLES, SAMPLE_RATE

FRAME = FRAME_SAMPLES / SAMPLE_RATE  # 30 ms, the loop's frame
N_FFT = 512
SILENT_DB = -100.0


@dataclass(frozen=True)
class OverCoachParams:
    # A band this far above the bound holds something else (docs/benchmarks.md, "Talking over the
    # coach": 6 dB raises the false alarms fourfold; 10 dB, the tune part's pick, halves them but
    # missed the live room's talk-over).
    excess_db: float = 8.0
    # A voice lifts many bands at once; a click, a hum or a misplaced syllable of echo, one or two.
    min_bands: int = 5
    # This much such sound within `window` is a word or two, not a cough or a chair.
    min_secs: float = 0.21
    window: float = 0.6
    # The speaker's delay is searched up to this (PulseAudio ~0.12 s, Bluetooth up to 0.3 s) ...
    max_delay: float = 0.4
    # ... and wanders this much from cue to cue (the output stream's blocks).
    slack: float = 0.06
    # ... but within a cue whose own echo was placed, only by the frame's rounding.
    slack_placed: float = 0.03
    # Reverberation dies at least this fast (dB a second): a room with an RT60 up to 0.6 s.
    decay_db: float = 100.0
    # The room's own noise: this high a percentile of its levels between turns over the last
    # `floor_secs`, so that a clatter of dishes is part of the room, not a voice (the median
    # takes one for a voice in 8% of quiet cues).
    floor_pct: float = 90.0
    floor_secs: float = 10.0
    # Judged this long after the cue (the loop's echo_tail: its echo has died away by then).
    tail: float = 0.4


def _band_matrix(n_bands: int = 20, low: float = 150.0, high: float = 6000.0) -> np.ndarray:
    edges = np.geomspace(low, high, n_bands + 1)
    freqs = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    bands = [(freqs >= a) & (freqs < b) for a, b in zip(edges[:-1], edges[1:], strict=True)]
    return np.stack(bands).astype(np.float64)


BANDS = _band_matrix()
_WINDOW = np.hanning(FRAME_SAMPLES)


def band_levels(pcm: np.ndarray) -> np.ndarray:
    """dB per band of each 30 ms frame: (frames, bands) for int16 audio cut into whole frames."""
    n = len(pcm) // FRAME_SAMPLES
    x = pcm[: n * FRAME_SAMPLES].reshape(n, FRAME_SAMPLES).astype(np.float64) / 32768.0
    power = np.abs(np.fft.rfft(x * _WINDOW, N_FFT, axis=1)) ** 2
    return 10.0 * np.log10(power @ BANDS.T + 10 ** (SILENT_DB / 10))


@dataclass(frozen=True)
class Room:
    """What has been learnt of the way back from speaker to microphone: delays in frames of the
    cues whose echo was clear, and each cue's gain per band."""

    delays: tuple[int, ...] = ()
    gains: tuple[np.ndarray, ...] = ()

    def learnt(self, delay: int | None, gain: np.ndarray | None, keep: int = 8) -> Room:
        delays = (self.delays + ((delay,) if delay is not None else ()))[-keep:]
        gains = (self.gains + ((gain,) if gain is not None else ()))[-keep:]
        return Room(delays, gains)


@dataclass(frozen=True)
class Verdict:
    over: int | None  # the frame where another voice began, or None
    delay: int | None  # the delay (frames) this cue's echo showed, when clear
    # The echo's gain per band on this cue, when its echo was placed, or when none came back at
    # all (headphones, a file): the room is learnt so, and a partner who talks over the whole of a
    # later cue is not taken for its echo.
    gain: np.ndarray | None


def _reverberant(ref: np.ndarray, per_frame_db: float) -> np.ndarray:
    out = ref.copy()
    for i in range(1, len(out)):
        np.maximum(out[i], out[i - 1] - per_frame_db, out=out[i])
    return out


def _loudest_before(ref: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """For each frame i, the loudest of ref[i - hi .. i - lo]: the echo of any delay in range."""
    n = len(ref)
    out = np.full_like(ref, SILENT_DB)
    for d in range(lo, hi + 1):
        if d < n:
            np.maximum(out[d:], ref[: n - d], out=out[d:])
    return out


def _fit_by_delay(ref: np.ndarray, mic: np.ndarray, n_cue: int, max_delay: int) -> list[float]:
    """For each delay up to `max_delay` frames, how well the cue's levels (in time and frequency)
    follow the microphone's: a correlation."""
    fit = []
    for d in range(max_delay + 1):
        m = min(n_cue, len(mic) - d)
        a, b = ref[:m].ravel(), mic[d : d + m].ravel()
        ok = m >= 10 and np.std(a) > 0 and np.std(b) > 0
        fit.append(float(np.corrcoef(a, b)[0, 1]) if ok else 0.0)
    return fit


def _loud(ref: np.ndarray, n_cue: int, n: int) -> np.ndarray | None:
    """Per frame and band of the cue's first `n` frames, where the cue itself is loud (within
    20 dB of its loudest in the band); None for a cue too short or quiet to tell (under 10 such
    frames)."""
    loud = ref[:n] > ref[:n_cue].max(axis=0) - 20.0
    return loud if n >= 10 and loud.any(axis=1).sum() >= 10 else None


def _gain_at(ref: np.ndarray, mic: np.ndarray, echo: np.ndarray, n_cue: int, delay: int) -> np.ndarray | None:
    """Per band, the microphone against the bound where the cue itself is loud at this delay
    (the median): the room's gain. None for a cue too short or quiet to tell."""
    n = min(n_cue, len(mic) - delay)
    loud = _loud(ref, n_cue, n)
    if loud is None:
        return None
    g = np.nanmedian(np.where(loud, mic[delay : delay + n] - echo[delay : delay + n], np.nan), axis=0)
    return np.where(np.isnan(g), np.nanmedian(g), g)


def _inaudible(ref: np.ndarray, mic: np.ndarray, n_cue: int, floor: np.ndarray) -> bool:
    """Nothing of the cue came back: where it is loud, the microphone stays at the room's floor."""
    n = min(n_cue, len(mic))
    loud = _loud(ref, n_cue, n)
    return loud is not None and bool(np.all(np.median(mic[:n][loud.any(axis=1)], axis=0) <= floor + 3.0))


def _first_voice(foreign: np.ndarray, p: OverCoachParams) -> int | None:
    """The first frame of the first `window` that holds `min_secs` of another voice."""
    w, need = round(p.window / FRAME), round(p.min_secs / FRAME)
    counts = np.convolve(foreign.astype(int), np.ones(w, dtype=int))[: len(foreign)]  # frames i-w+1..i
    hits = np.flatnonzero(counts >= need)
    if not len(hits):
        return None
    first = max(0, int(hits[0]) - w + 1)
    return first + int(np.argmax(foreign[first:]))


def judge(ref: np.ndarray, mic: np.ndarray, n_cue: int, floor: np.ndarray, room: Room,
          p: OverCoachParams, before: np.ndarray | None = None) -> Verdict:
    """Did another voice sound over the cue? `ref` and `mic` are band levels on the same frames
    from the cue's start (ref padded with silence past the cue); the cue fills `n_cue` of them;
    `floor` is the room's noise level per band; `before`, the coach's levels in the frames just
    before (the end of a cue it followed, whose echo is still arriving)."""
    n = min(len(ref), len(mic))
    ref, mic = ref[:n], mic[:n]
    pre = before if before is not None else np.zeros((0, ref.shape[1]))
    max_d = round(p.max_delay / FRAME)
    fit = _fit_by_delay(ref, mic, n_cue, max_d)
    best = int(np.argmax(fit))
    # The echo is placed where the match peaks clearly: a partner talking over it lowers the peak
    # (0.4-0.5) but leaves it a peak; without an echo the match is flat and low.
    peaked = 0 < best < max_d and fit[best] >= 0.3 and fit[best] - min(fit) >= 0.3
    delay = best if peaked or fit[best] >= 0.6 else None
    known = delay if delay is not None else (int(np.median(room.delays)) if room.delays else None)
    if known is not None:
        slack = round((p.slack_placed if delay is not None else p.slack) / FRAME)
        lo, hi, candidates = max(0, known - slack), known + slack, [known]
    else:  # the echo could be anywhere in range, and as loud as at any delay
        lo, hi, candidates = 0, max_d, list(range(max_d + 1))
    echo = _loudest_before(_reverberant(np.concatenate([pre, ref]), p.decay_db * FRAME), lo, hi)[len(pre) :]

    gains = [_gain_at(ref, mic, echo, n_cue, d) for d in candidates]
    measured = [g for g in gains if g is not None]
    gain = np.max(np.stack(measured), axis=0) if len(measured) == len(gains) else None
    learnt = room.gains + ((gain,) if gain is not None and delay is not None else ())
    if learnt:
        echo = echo + np.median(np.stack(learnt), axis=0)
    elif gain is not None:
        echo = echo + gain
    # (else a cue too short to measure: the bound is as loud as the cue itself)

    foreign = ((mic - np.maximum(echo, floor)) > p.excess_db).sum(axis=1) >= p.min_bands
    centre = known if known is not None else max_d // 2
    foreign[min(n, n_cue + centre) :] = False  # the coach had stopped: an answer, not talking over
    clear = delay is not None or _inaudible(ref, mic, n_cue, floor)
    return Verdict(_first_voice(foreign, p), delay, gain if clear else None)


@dataclass
class _Pending:
    start: float  # the cue's stream time
    end: float
    audio: np.ndarray
    t0: float | None = None  # stream time of the first frame kept (on the loop's frame grid)
    frames: list[np.ndarray] = field(default_factory=list)


class OverCoach:
    """Feed it every frame (`hear`) and every cue as it starts to play (`expect`); it answers the
    stream times at which someone spoke over a cue, each once the cue's echo has died away."""

    def __init__(self, params: OverCoachParams | None = None) -> None:
        self.p = params or OverCoachParams()
        self.room = Room()
        self._pending: deque[_Pending] = deque()
        self._played: deque[tuple[float, np.ndarray]] = deque(maxlen=3)  # the coach's last cues
        self._talked_over_until: float | None = None  # the end of the last cue someone talked over
        self._quiet: deque[np.ndarray] = deque(maxlen=round(self.p.floor_secs / FRAME))  # between turns

    def expect(self, start: float, end: float, audio: np.ndarray) -> None:
        self._pending.append(_Pending(start, end, audio))
        self._played.append((start, audio))

    def hear(self, t: float, pcm: np.ndarray, speech: bool = False) -> list[float]:
        levels = band_levels(pcm)[0]
        found: list[float] = []
        busy = False
        for cue in self._pending:
            if t + FRAME > cue.start and t < cue.end + self.p.tail:
                busy = True
                if cue.t0 is None:
                    cue.t0 = t
                cue.frames.append(levels)
        while self._pending and t + FRAME >= self._pending[0].end + self.p.tail:
            at = self._judge(self._pending.popleft())
            if at is not None:
                found.append(at)
        if not busy and not speech:
            self._quiet.append(levels)
        return found

    def _coach_sound(self, start: float, n: int) -> np.ndarray:
        """What the coach played over n frames from `start`: this cue, and the end of the one
        before it when they follow each other (its echo is still arriving)."""
        out = np.zeros(n * FRAME_SAMPLES, dtype=np.int32)
        for at, audio in self._played:
            i = round((at - start) * SAMPLE_RATE)
            a = audio[max(0, -i) :]
            i = max(i, 0)
            if i < len(out) and len(a):
                out[i : i + len(a)] += a[: len(out) - i]
        return np.clip(out, -32768, 32767).astype(np.int16)

    def _judge(self, cue: _Pending) -> float | None:
        n_cue = int(np.ceil((cue.end - cue.t0) / FRAME)) if cue.t0 is not None else 0
        if n_cue < round(self.p.window / FRAME):  # too short to be talked over
            return None
        assert cue.t0 is not None
        mic = np.stack(cue.frames)
        before = round((self.p.max_delay + 0.3) / FRAME)  # frames of what came before, for its echo
        sound = band_levels(self._coach_sound(cue.t0 - before * FRAME, before + len(mic)))
        # The room's floor: its quiet between turns; before any (the opening cue), the quietest of
        # the cue's own frames, the room heard in its pauses.
        floor = np.percentile(mic, 10, axis=0)
        if len(self._quiet) * FRAME >= 0.5:
            floor = np.maximum(floor, np.percentile(np.stack(self._quiet), self.p.floor_pct, axis=0))
        v = judge(sound[before:], mic, n_cue, floor, self.room, self.p, sound[:before])
        self.room = self.room.learnt(v.delay, v.gain if v.over is None else None)  # not a voice's
        went_on, self._talked_over_until = self._talked_over_until, None
        if v.over is None:
            return None
        at = cue.t0 + v.over * FRAME
        self._talked_over_until = cue.end
        # Cues that follow straight on are one utterance to a listener: someone talking over it is
        # told once, even when they drew breath between the two (a pause of theirs is no new voice).
        if went_on is not None and cue.start - went_on < 0.2:
            return None
        return at
