#!/usr/bin/env bash
# codectok's test command (what `make test` and CI run): nbdev hygiene, every notebook as a test, pytest suites,
# the offline docs check (rendered docs: every audio player a valid WAV that loads in headless Chromium).
set -euo pipefail
VENV="${1:-.venv}"; BIN="$VENV/bin"
cd "$(dirname "$0")/.."
unset IN_TEST   # nbdev_export silently does nothing when IN_TEST is set in the shell
export MPLBACKEND=Agg HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
t0=$(date +%s)

echo "== 1/5 nbdev hygiene: notebooks clean, library in sync with notebooks"
before=$(git status --porcelain --untracked-files=all -- nbs codectok | sort)
"$BIN/nbdev_clean"
"$BIN/nbdev_export"
after=$(git status --porcelain --untracked-files=all -- nbs codectok | sort)
if [ "$before" != "$after" ]; then
  echo "FAIL: nbdev_clean/nbdev_export changed files (run them and commit the result):"
  diff <(echo "$before") <(echo "$after") || true
  git --no-pager diff --stat -- nbs codectok || true
  exit 1
fi

echo "== 2/5 nbdev_test over every notebook (fast mode: IN_TEST shrinks heavy work; cells flagged gpu/network skipped)"
n_nbs=$(ls nbs/*.ipynb | wc -l)
if "$BIN/nbdev_test" --n_workers 1 --timing; then echo "notebooks: $n_nbs passed, 0 failed"
else echo "notebooks: nbdev_test failed (see above)"; exit 1; fi

echo "== 3/5 every notebook again with CODECTOK_PRETRAINED=1, against a simulated hub (offline; fast mode)"
# scripts/sim_hub.py rebuilds what Colab downloads with the same architectures and APIs but random weights: EnCodec
# 24 kHz in torch.hub's cache, GPT-2 small in the Hugging Face cache, an EnCodecMAE stand-in package, and a tiny NSynth
# in the release layout. CODECTOK_OFFLINE=1 refuses any real connection; a cache of its own keeps the fake data apart.
SIM="${CODECTOK_SIM_DIR:-${TMPDIR:-/tmp}/codectok-sim-$(id -u)}"
sim_env=$("$BIN/python" scripts/sim_hub.py "$SIM/hub")     # built once (about 10 s, 0.6 GB), then reused
if ( eval "$sim_env"
     export CODECTOK_PRETRAINED=1 CODECTOK_OFFLINE=1 CODECTOK_CACHE="$SIM/cache"
     "$BIN/nbdev_test" --n_workers 1 --timing ); then echo "notebooks under CODECTOK_PRETRAINED=1: $n_nbs passed, 0 failed"
else echo "notebooks under CODECTOK_PRETRAINED=1: nbdev_test failed (see above)"; exit 1; fi

echo "== 4/5 pytest suites"
"$BIN/python" -m pytest -q tests

echo "== 5/5 docs check: nbdev docs processing rendered to HTML offline; every audio player decodes and loads in Chromium"
bash scripts/docs_check.sh "$VENV"
after_docs=$(git status --porcelain --untracked-files=all -- nbs codectok | sort)
if [ "$after" != "$after_docs" ]; then
  echo "FAIL: the docs processing changed tracked files:"; diff <(echo "$after") <(echo "$after_docs") || true; exit 1
fi
echo "test command finished in $(( $(date +%s) - t0 )) s"
