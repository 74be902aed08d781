#!/usr/bin/env bash
# Fresh-machine set-up for codectok (Debian, Python 3.11, no GPU, registries only). Idempotent.
set -euo pipefail
VENV="${1:-.venv}"
PY="${PYTHON:-python3}"
cd "$(dirname "$0")/.."

# 1. Debian packages: chromium for the docs check (stage 4 of the test command loads every audio player headless).
apt_pkgs=(chromium)
if [ ${#apt_pkgs[@]} -gt 0 ]; then
  # A package counts as present when dpkg has it or its command is already on PATH (e.g. a Chromium installed otherwise).
  missing=(); for p in "${apt_pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || command -v "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
      # Not fatal: `make demo` needs none of them; the docs check (stage 4 of `make test`) fails with its own message.
      echo "codectok setup: WARNING: missing Debian packages: ${missing[*]} (needed by the docs check of 'make test');" \
           "not root, so install them with: sudo apt-get install -y ${missing[*]}" >&2
    fi
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
# Compile librosa's numba kernels (pYIN, beat/onset tracking, chroma) once, in one process: numba's on-disk cache
# is not safe to write from several processes at once, and a cache corrupted that way segfaults later runs.
"$VENV/bin/python" - <<'PY'
import numpy as np, librosa
x = (np.sin(2 * np.pi * 440 * np.arange(24000) / 24000) * np.linspace(1, 0, 24000)).astype(np.float32)
librosa.pyin(x, fmin=50, fmax=2000, sr=24000); librosa.beat.beat_track(y=x, sr=24000)
librosa.onset.onset_detect(y=x, sr=24000); librosa.feature.chroma_stft(y=x, sr=24000)
PY
"$VENV/bin/python" -c "import torch, torchaudio, encodec, transformers, nbdev, codectok; print('codectok setup ok: torch', torch.__version__)"
