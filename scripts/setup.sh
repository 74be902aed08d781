#!/usr/bin/env bash
# Fresh-machine set-up for codectok (Debian, Python 3.11, no GPU, registries only). Idempotent.
set -euo pipefail
VENV="${1:-.venv}"
PY="${PYTHON:-python3}"
cd "$(dirname "$0")/.."

# 1. Debian packages (none are strictly needed today; see ENVIRONMENT notes in the README).
apt_pkgs=()
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  missing=(); for p in "${apt_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else echo "codectok setup: please install Debian packages: ${missing[*]} (sudo apt-get install ...)" >&2; exit 1; fi
  fi
fi

# 2. Virtual environment with the pinned CPU-usable stack.
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
PIP="$VENV/bin/python -m pip"
$PIP install -q --upgrade pip setuptools wheel 2>&1 | grep -v '^WARNING: Location' || true
# torch and torchaudio must be a matched pair or `import encodec` (which imports torchaudio) fails.
$PIP install -q "torch==2.11.0" "torchaudio==2.11.0" 2>&1 | grep -v '^WARNING: Location' || true
# The package (editable) with its test tooling; nbdev 2.4.14 needs fastcore<2 and execnb<0.2 today.
$PIP install -q -e ".[dev]" 2>&1 | grep -v '^WARNING: Location' || true
# The soundfont renderer for NSynth-mini: tinysoundfont renders offline; its pyaudio dependency is only for
# live playback and does not build without portaudio, so it is installed without dependencies.
$PIP install -q --no-deps tinysoundfont 2>&1 | grep -v '^WARNING: Location' || true
"$VENV/bin/python" -c "import torch, torchaudio, encodec, transformers, nbdev, codectok; print('codectok setup ok: torch', torch.__version__)"
