"""Builds a session's parts from the settings and runs it; the CLI's commands call these."""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import threading
import time
from dataclasses import asdict
from pathlib import Path
from types import FrameType

from .demo_room import ScriptedRoom, demo_script_path, load_script
from .dialogue.exercises import EXERCISES
from .dialogue.phrasebook import Phrasebook, load_phrasebook
from .dialogue.protocol import Dialogue
from .errors import DeviceLost, Terminated, UserError
from .hearing.audio_source import AudioSource, DeviceSource, file_source
from .hearing.models import resolve_model
from .hearing.partner_voices import PartnerVoices
from .hearing.transcriber import TranscriptionWorker
from .loop import Ears, Mouth, Records, SessionLoop
from .records.keepsakes import Keepsakes
from .records.session_log import SessionLog, default_data_dir
from .records.voice_store import VoiceStore
from .session_models import SessionModels, check_models
from .settings import Settings
from .speaking.coach import Begun
from .speaking.cue_cache import session_cue_cache
from .speaking.cue_order import likely_texts, opening_texts
from .speaking.player import DevicePlayer, Player, SilentPlayer, Timeline, TimelinePlayer, check_out
from .speaking.voice import Voice
from .view import ConsoleView

SAFETY_NOTE = (
    "Voice Coach guides a practice; it is not therapy and not a therapist. The Imago Dialogue is "
    "not meant for relationships with violence, fear or active addiction: if that is yours, "
    "please talk to a professional or a local helpline instead."
)


def data_dir(settings: Settings) -> Path:
    return Path(settings.data_dir).expanduser() if settings.data_dir else default_data_dir()


def check_inputs(settings: Settings) -> tuple[Phrasebook, Path, Path]:
    """(the cues, the data folder, the speech model's folder): what can be told wrong without
    loading anything, as one line (UserError)."""
    book = load_phrasebook(Path(settings.cues) if settings.cues else None)
    root = data_dir(settings)
    model_dir = resolve_model(settings.model, root)
    check_models(settings, model_dir)
    return book, root, model_dir


def _device(value: str | None) -> int | str | None:
    return int(value) if value is not None and value.isdigit() else value


class _Stopping:
    """Ctrl-C and SIGTERM: raised as KeyboardInterrupt (Terminated) where the main thread is, and
    kept, so that the loop, which asks at every frame, ends the session even when the exception
    never arrives. A 20-minute live soak hung on Ctrl-C with the main thread waiting for audio as
    usual (1 run in 3 since): the exception was lost on its way (a library that checks for
    signals can drop it). So the signal is also heard where Python's own handler writes it first,
    its wakeup file, by a thread of its own."""

    def __init__(self) -> None:
        self.by: KeyboardInterrupt | None = None
        self._quiet = False
        # a pipe (no socket: nothing here touches the network); Windows takes only a socket there
        self._pair = socket.socketpair() if os.name == "nt" else None
        if self._pair:
            self._pair[1].setblocking(False)
            self._read, self._write = self._pair[0].fileno(), self._pair[1].fileno()
        else:
            self._read, self._write = os.pipe()
            os.set_blocking(self._write, False)
        self._before = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        self._previous = {sig: signal.signal(sig, self) for sig in (signal.SIGINT, signal.SIGTERM)}
        threading.Thread(target=self._watch, name="signals", daemon=True).start()

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        self._keep(signum)
        if not self._quiet:
            raise type(self.by)() if self.by is not None else KeyboardInterrupt()

    def quiet(self) -> None:
        """Keep a signal from now on without raising it (the session is closing)."""
        self._quiet = True

    def _keep(self, signum: int) -> None:
        if self.by is None and signum in (signal.SIGINT, signal.SIGTERM):
            self.by = Terminated() if signum == signal.SIGTERM else KeyboardInterrupt()

    def _watch(self) -> None:
        while True:
            try:
                got = self._pair[0].recv(64) if self._pair else os.read(self._read, 64)
            except OSError:
                return
            if not got:  # closed: the session is over
                return
            for signum in got:
                self._keep(signum)

    def close(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self._before)
        if self._pair:  # the watching thread reads the end and stops
            self._pair[1].close()
            self._pair[0].close()
        else:
            os.close(self._write)
            os.close(self._read)


def run_session(
    settings: Settings, source: AudioSource, player: Player, view: ConsoleView, first_use: bool | None = None
) -> Path:
    """Run one session to its end and return its folder; the log is closed whatever happens.

    Whatever the user can get wrong is checked before the session starts, its log last: a cue
    file, a model, a data folder that cannot be written is one line and no session at all. Events
    that cannot be saved later (a full disk) are one line at the end, and a UserError.

    The coach speaks first and loads later (issue 12): the opening cues are rendered (or read from
    the cue cache) before anything else, then the models load and the other cues render in the
    background while the opening plays (session_models.py, voice.py)."""
    try:
        book, root, model_dir = check_inputs(settings)
        voice = Voice(settings.voice, settings.voice_rate, session_cue_cache(root))  # no thread yet
        log = SessionLog.create(root)  # the session's folder and log, or a UserError: nothing started yet
    except BaseException:
        source.stop()  # the microphone and speaker are let go at once
        player.close()
        raise
    log.write(
        "session_start", 0.0, started=dt.datetime.now().isoformat(timespec="seconds"),
        exercise=settings.exercise, sender=settings.sender, receiver=settings.receiver,
        model=str(model_dir), coach_voice=voice.synth.name, settings=asdict(settings),
    )
    keepsakes = Keepsakes(root)
    if first_use is None:
        first_use = not keepsakes.acknowledged()
    store = VoiceStore(root)
    couple, hello, ask_keep = _couple(settings, store, isinstance(source, DeviceSource))
    models: SessionModels | None = None
    worker: TranscriptionWorker | None = None
    loop: SessionLoop | None = None
    stopping = _Stopping()
    reason = "crashed"
    stopped: KeyboardInterrupt | None = None
    try:
        protocol, opening = (_protocol(settings, book, first_use, hello, ask_keep) for _ in range(2))
        texts = opening_texts(opening, book, settings.cue_fields())
        begun = _begin(texts[0], voice, player) if texts else None
        for text in texts:
            voice.render(text)  # the coach's first sound, before anything else is loaded
        models = SessionModels(settings, model_dir, root)
        voice.prefetch(likely_texts(
            book, EXERCISES[settings.exercise], settings.sender, settings.receiver, settings.cue_fields(),
            first_use, hello,
        ))
        worker = TranscriptionWorker(models.transcriber)
        loop = SessionLoop(
            settings, Ears(source, models.classifier, models.judge, models.voices, models.meaning, couple),
            Mouth(book, voice, player, begun), worker, protocol, Records(log, keepsakes, store), view,
        )
        reason = loop.run(lambda: stopping.by)
        models.loading.wait()  # a model that failed to load is reported, even if never needed
    except KeyboardInterrupt as e:
        reason, stopped = "interrupted", e
    except DeviceLost as e:
        reason = f"device lost: {e}"
        raise
    except UserError as e:
        reason = f"error: {e}"
        raise
    except Exception:
        if stopping.by is None:
            raise
        # Ctrl-C in the middle of an import or a library's call can come out as that call's own
        # error ("ImportError: initialization failed"): it is still the couple stopping.
        reason, stopped = "interrupted", stopping.by
    finally:
        stopping.quiet()  # from here a Ctrl-C is kept, not raised: the clean-up below runs whole
        source.stop()
        if reason == "interrupted":
            player.close(finish=False)  # Ctrl-C silences the coach at once, not after its cue
        t = loop.t if loop is not None else 0.0
        lost = loop.input_health if loop is not None else None
        gaps = {} if lost is None else {"input_overflows": lost.overflows,
                                        "input_filled_secs": round(lost.filled_secs, 3)}
        log.write("session_end", t, reason=reason, **gaps)
        log.close()
        voice.close()
        if worker is not None:
            worker.close()
        if reason != "interrupted":
            player.close()  # what the coach is saying is heard to its end
        if models is not None:
            models.close()
        stopping.close()
        loss = log.loss()
        if loss:  # told instead of any other error: what was lost matters most
            raise UserError(f"the session ended ({reason}), but {loss}")
    view.info(f"Session ended ({reason}). Log: {log.path}", t)
    stopped = stopped or stopping.by  # a Ctrl-C while it closed counts too
    if stopped is not None:  # the log is closed and kept; the exit code still says how it ended
        raise stopped
    return log.folder


def _begin(text: str, voice: Voice, player: Player) -> Begun | None:
    """Live, a first cue of several sentences that is not rendered yet (the safety note on first
    use) begins at once with its first sentence, and the rest renders while it sounds (issue 12:
    the first sound after about a second instead of three). A device appends what it is given, so
    the rest follows it without a seam (Coach.say)."""
    if not isinstance(player, DevicePlayer):
        return None
    head = voice.head(text)
    if head is None:
        return None
    player.play(head, 0.0)
    return Begun(text, len(head), time.monotonic())


def _couple(settings: Settings, store: VoiceStore, microphone: bool) -> tuple[PartnerVoices, bool, bool]:
    """The partners' voices as far as they are known (kept from an earlier session, with their
    consent); whether to ask for their hellos: only with the voice check, on a microphone (not a
    recording, not the demo) unless the settings say otherwise, and not when both voices were kept;
    and whether to ask, after them, about keeping the voices (never asked before)."""
    names = (settings.sender, settings.receiver)
    couple = PartnerVoices(names)
    if not settings.voice_check:
        return couple, False, False
    choice = store.choice()
    if choice:
        couple.hellos.update(store.hellos(names))
    wanted = settings.hello == "always" or (settings.hello == "live" and microphone)
    hello = wanted and not couple.ready
    return couple, hello, hello and choice is None


def _protocol(settings: Settings, book: Phrasebook, first_use: bool, hello: bool, ask_keep: bool
              ) -> Dialogue:
    return Dialogue(
        EXERCISES[settings.exercise], settings.sender, settings.receiver, book, settings.protocol_params(),
        first_use=first_use, hello=hello, ask_keep=ask_keep,
    )


def run_practice(settings: Settings, input_file: Path | None = None, out: Path | None = None) -> Path:
    """A session on the microphone; or, with `input_file`, on a recording as fast as possible."""
    if out is not None:
        if input_file is None:
            raise UserError("--out needs --input-file: a session on the microphone writes no audio file")
        check_out(out, input_file)
    if input_file is None:
        view = ConsoleView()
        view.info(SAFETY_NOTE)
        source = DeviceSource(_device(settings.input_device), wait_secs=settings.device_wait)
        return run_session(settings, source, DevicePlayer(_device(settings.output_device)), view)
    recorded = file_source(input_file)  # read a block at a time: an hour's recording is never held whole
    if out is None:
        return run_session(settings, recorded, SilentPlayer(), ConsoleView(live=False))
    timeline = Timeline()
    timeline.add_file(0.0, input_file)
    folder = run_session(settings, recorded, TimelinePlayer(timeline), ConsoleView(live=False))
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
    """The loop on a scripted dialogue between two synthesised partners; no microphone needed.
    Their lines are rendered first (kept in the cue cache for the next demo), so what the user
    can get wrong is checked before that."""
    if out is not None:
        check_out(out)
    _, root, _ = check_inputs(settings)
    view = ConsoleView(live=False)
    view.info(SAFETY_NOTE)
    if realtime is None:
        realtime = out is None and has_output_device(settings.output_device)
    lines = load_script(demo_script_path(settings.exercise), cache=session_cue_cache(root))
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
