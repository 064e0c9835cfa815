"""Builds a session's parts from the settings and runs it; the CLI's commands call these."""

from __future__ import annotations

import datetime as dt
import signal
from dataclasses import asdict
from pathlib import Path
from types import FrameType

from .audio_source import ArraySource, AudioSource, DeviceSource, load_audio
from .classifiers import make_classifier
from .demo_room import ScriptedRoom, demo_script_path, load_script
from .errors import DeviceLost
from .exercises import EXERCISES
from .keepsakes import Keepsakes
from .loop import Ears, Mouth, Records, SessionLoop
from .models import resolve_model
from .phrasebook import Phrasebook, load_phrasebook
from .player import DevicePlayer, Player, Timeline, TimelinePlayer
from .protocol import Dialogue
from .session_log import SessionLog, default_data_dir
from .settings import Settings
from .smart_turn import SmartTurn
from .transcriber import TranscriptionWorker, WhisperTranscriber
from .view import ConsoleView
from .voice import Voice
from .voiceprint import Voiceprints

SAFETY_NOTE = (
    "Voice Coach guides a practice; it is not therapy and not a therapist. The Imago Dialogue is "
    "not meant for relationships with violence, fear or active addiction: if that is yours, "
    "please talk to a professional or a local helpline instead."
)


def data_dir(settings: Settings) -> Path:
    return Path(settings.data_dir).expanduser() if settings.data_dir else default_data_dir()


def _device(value: str | None) -> int | str | None:
    return int(value) if value is not None and value.isdigit() else value


def _sigterm_as_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run_session(
    settings: Settings, source: AudioSource, player: Player, view: ConsoleView, first_use: bool | None = None
) -> Path:
    """Run one session to its end and return its folder; the log is closed whatever happens."""
    book = load_phrasebook(Path(settings.cues) if settings.cues else None)
    voice = Voice(settings.voice, settings.voice_rate)
    model_dir = resolve_model(settings.model, data_dir(settings))
    worker = TranscriptionWorker(WhisperTranscriber(model_dir, settings.threads, settings.language))
    classifier = make_classifier(settings.vad, settings.webrtc_aggressiveness, settings.silero_threshold)
    judge = SmartTurn() if settings.smart_turn else None
    voices = Voiceprints() if settings.voice_check else None
    log = SessionLog.create(data_dir(settings))
    log.write(
        "session_start", 0.0, started=dt.datetime.now().isoformat(timespec="seconds"),
        exercise=settings.exercise, sender=settings.sender, receiver=settings.receiver,
        model=str(model_dir), settings=asdict(settings),
    )
    prerender(book, voice, settings)
    keepsakes = Keepsakes(data_dir(settings))
    if first_use is None:
        first_use = not keepsakes.acknowledged()
    protocol = Dialogue(
        EXERCISES[settings.exercise], settings.sender, settings.receiver, book,
        settings.protocol_params(), first_use=first_use,
    )
    loop = SessionLoop(
        settings, Ears(source, classifier, judge, voices), Mouth(book, voice, player), worker, protocol,
        Records(log, keepsakes), view,
    )
    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    reason = "crashed"
    try:
        reason = loop.run()
    except KeyboardInterrupt:
        reason = "interrupted"
    except DeviceLost as e:
        reason = f"device lost: {e}"
        raise
    finally:
        source.stop()
        log.write("session_end", loop.t, reason=reason)
        log.close()
        signal.signal(signal.SIGTERM, previous)
        worker.close()
        player.close()
    view.info(f"Session ended ({reason}). Log: {log.path}", loop.t)
    return log.folder


def prerender(book: Phrasebook, voice: Voice, settings: Settings) -> None:
    """Synthesise every cue, for both role orders, before the session: a cue then costs no
    synthesis time when it is due."""
    a, b = settings.sender, settings.receiver
    for key in book.cues:
        for sender, receiver in ((a, b), (b, a)):
            voice.render(book.say(key, sender, receiver, **settings.cue_fields()))


def run_practice(settings: Settings, input_file: Path | None = None, out: Path | None = None) -> Path:
    """A session on the microphone; or, with `input_file`, on a recording as fast as possible."""
    if input_file is None:
        view = ConsoleView()
        view.info(SAFETY_NOTE)
        source = DeviceSource(_device(settings.input_device))
        return run_session(settings, source, DevicePlayer(_device(settings.output_device)), view)
    recording = load_audio(input_file)
    timeline = Timeline()
    timeline.add(0.0, recording)
    folder = run_session(settings, ArraySource(recording), TimelinePlayer(timeline), ConsoleView(live=False))
    if out is not None:
        timeline.write(out)
    return folder


def has_output_device(device: str | None) -> bool:
    try:
        import sounddevice as sd

        sd.query_devices(_device(device), "output")
        return True
    except Exception:
        return False


def run_demo(settings: Settings, out: Path | None, realtime: bool | None) -> Path:
    """The loop on a scripted dialogue between two synthesised partners; no microphone needed."""
    view = ConsoleView(live=False)
    view.info(SAFETY_NOTE)
    if realtime is None:
        realtime = out is None and has_output_device(settings.output_device)
    lines = load_script(demo_script_path(settings.exercise))
    timeline = Timeline()
    device = DevicePlayer(_device(settings.output_device)) if realtime else None
    room = ScriptedRoom(lines, timeline, realtime=realtime, speaker=device)
    view.info(
        "Demo: two synthesised partners, " + ("played in real time." if realtime else
        "run faster than real time (no speaker, or --out given).")
    )
    settings = settings.replace(sender=lines[0].who, receiver=_other(lines))
    folder = run_session(settings, room, TimelinePlayer(timeline, device), view, first_use=False)
    if out is not None:
        timeline.write(out)
        view.info(f"Wrote the demo's audio to {out}")
    return folder


def _other(lines: list) -> str:
    first = lines[0].who
    return next(line.who for line in lines if line.who != first)
