#!/usr/bin/env bash
# Train the mini codec on a lent accelerator machine (the workplace's device tool) in one call.
#
#   here, once per machine:  bash scripts/device_kit.sh prepare
#       downloads (into .whl/, git-ignored) the Python 3.12 wheels that the device image lacks: encodec, librosa and
#       its audio dependencies, soundfile, fastcore, IPython (codectok.core imports it), pretty_midi, tinysoundfont.
#   on the device:           bash scripts/device_kit.sh codec MINUTES STEPS [train_codec.py options...]
#       e.g. run(command="bash scripts/device_kit.sh codec 7 20000 --gan", carry=[".whl"], timeout_s=600)
#       installs the wheels, renders NSynth-mini with every core, trains with scripts/train_codec.py for at most
#       MINUTES on a STEPS-step schedule, and leaves mini_codec.{safetensors,json,card.json} and the log in $OUT/codec.
#   back here:               python benchmarks/eval_codec.py --weights DIR/mini_codec.safetensors --out DIR
#                            python research/probe_codec_latents.py --weights DIR/mini_codec.safetensors --out DIR
#       (the held-out figures are measured here, on CPU, so device time goes to training alone).
#
# A call also sends every tracked file (58 MiB of the 64 MiB a call may carry, most of it the shipped weights), so
# `prepare` prints what a call with .whl would send and, when that is too much, how to set aside the downstream
# weights (which codec training does not read) for the call. Untested on a device so far: no session has had one.
#
# The Lightning checkpoint stays on the device in /tmp/codec/ckpt (it is larger than a returned file may be): a second
# call with the same arguments on the still-warm machine resumes from it, a fresh machine starts over, so size STEPS
# to what MINUTES allows. The card records steps_done, schedule_steps and wall_minutes,
# which give the device's rate for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."

# Wheels the device image (see /work/.library/device/KINDS.md) does not have, at the versions scripts/setup.sh
# resolved on this machine (2026-12); their own dependencies that the image lacks are listed too (pip runs there
# with --no-deps).
WHEELS=(encodec==0.1.1 librosa==0.11.0 soundfile==0.14.0 cffi==2.1.1 pycparser==3.12 soxr==1.1.0 audioread==3.1.0
        pooch==1.9.0 platformdirs==4.14.9 decorator==5.3.1 fastcore==1.14.5 pretty_midi==0.2.11.post0 mido==1.3.3
        importlib-resources==7.1.0 tinysoundfont==0.3.7
        ipython==9.18.1 ipython-pygments-lexers==1.1.1 traitlets==5.16.1 jedi==0.20.1 parso==0.8.7 pexpect==4.9.0
        ptyprocess==0.7.0 prompt-toolkit==3.0.53 wcwidth==0.9.4 stack-data==0.6.3 asttokens==3.0.2 executing==2.3.0
        pure-eval==0.2.4 matplotlib-inline==0.2.2)

usage() { awk 'NR > 1 && !/^#/ {exit} NR > 1 {sub(/^# ?/, ""); print}' "$0" >&2; exit 2; }

case "${1:-}" in
prepare)
  PY="${PYTHON:-python3}"; [ -x .venv/bin/python ] && PY=.venv/bin/python
  mkdir -p .whl
  plat=(); for p in manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64 manylinux1_x86_64; do
    plat+=(--platform "$p"); done
  for w in "${WHEELS[@]}"; do
    # pure-Python packages come as py3-none-any wheels, compiled ones as cp312 manylinux wheels
    "$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp "${plat[@]}" \
        --platform any -d .whl "$w" 2>/dev/null && continue
    # no wheel on the registry (encodec and pretty_midi ship sdists): build one here, which is only right when it
    # comes out pure Python (py3-none-any); anything compiled would be built for this machine's Python, not 3.12
    "$PY" -m pip wheel -q --no-deps --no-build-isolation -w /tmp/device_kit_build "$w" 2>&1 | grep -v '^WARNING: Location' || true
    name="${w%%==*}"; built=$(ls /tmp/device_kit_build/$(echo "$name" | tr - _)-"${w##*==}"-*.whl 2>/dev/null | head -1)
    case "$built" in
      *-py3-none-any.whl|*-py2.py3-none-any.whl) mv "$built" .whl/ ;;
      *) echo "device_kit: no Python 3.12 wheel for $w (built: ${built:-nothing})" >&2; exit 1 ;;
    esac
  done
  n=$(ls .whl/*.whl | wc -l); size=$(du -sh .whl | cut -f1)
  [ "$n" -eq "${#WHEELS[@]}" ] || { echo "device_kit: expected ${#WHEELS[@]} wheels in .whl/, found $n" >&2; exit 1; }
  echo "device_kit: $n wheels ($size) in .whl/; carry it: run(..., carry=[\".whl\"])"
  # What a call sends: tracked files present, untracked files git does not ignore, and the carried .whl (64 MiB at most).
  mib=$( { git ls-files -z; git ls-files -z --others --exclude-standard; } | xargs -0 stat -c %s 2>/dev/null \
         | awk -v w="$(du -sb .whl | cut -f1)" '{s+=$1} END {printf "%.1f", (s+w)/1048576}')
  echo "device_kit: a call with .whl sends ${mib} MiB (limit 64 MiB)"
  if awk -v m="$mib" 'BEGIN {exit !(m > 63)}'; then
    echo "device_kit: too much for one call. Codec training needs none of the downstream weights, so set them aside" \
         "for the call and restore them after it:" >&2
    echo "  mkdir -p /tmp/device_kit_aside && mv codectok/weights/{lm,maskgit_c2f,maskgit_coarse,prompt_encoder}.safetensors /tmp/device_kit_aside/" >&2
    echo "  ... run(...) ...;  git checkout -- codectok/weights   # puts them back" >&2
  fi
  ;;
codec)
  [ $# -ge 3 ] || usage
  minutes="$2"; steps="$3"; shift 3
  [[ "$steps" =~ ^[1-9][0-9]*$ ]] || { echo "device_kit: STEPS must be a positive integer, got '$steps'" >&2; exit 2; }
  [[ "$minutes" =~ ^[0-9]*\.?[0-9]+$ ]] && awk -v m="$minutes" 'BEGIN {exit !(m > 0)}' || {
    echo "device_kit: MINUTES must be a positive number, got '$minutes'" >&2; exit 2; }
  [ -n "${OUT:-}" ] || { echo "device_kit: \$OUT is not set (this subcommand runs through the device tool)" >&2; exit 2; }
  [ -n "${DEVICE_KIT_SKIP_INSTALL:-}" ] || ls .whl/*.whl >/dev/null 2>&1 || { echo "device_kit: no wheels in .whl/: run 'bash scripts/device_kit.sh prepare' here and carry .whl" >&2; exit 2; }
  # DEVICE_KIT_SKIP_INSTALL=1 runs the same steps on a machine that already has the packages (a dry run here)
  [ -n "${DEVICE_KIT_SKIP_INSTALL:-}" ] || \
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH="/tmp/site:$PWD" PYTHONUNBUFFERED=1
  mkdir -p "$OUT/codec"
  {
    nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
    python3 -c "import torch, codectok.codec_train; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
    python3 -c "from codectok.data import render_nsynth_mini; import os; render_nsynth_mini(n_workers=os.cpu_count())"
    python3 scripts/train_codec.py --minutes "$minutes" --steps "$steps" --threads 8 --out /tmp/codec "$@"
    cp /tmp/codec/mini_codec.safetensors /tmp/codec/mini_codec.json /tmp/codec/mini_codec.card.json "$OUT/codec/"
  } 2>&1 | tee "$OUT/codec/device.log"
  ;;
*) usage ;;
esac
