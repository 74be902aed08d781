#!/usr/bin/env bash
# Offline docs preview: nbdev's docs processing (what Quarto would render), Quarto's cell options applied
# (scripts/quarto_like.py: `#|` lines stripped, `echo: false` inputs hidden, `fig-cap` captions), then HTML via nbconvert.
# The real site is built with Quarto by .github/workflows/deploy.yaml; Quarto cannot be installed offline, so a
# stand-in `quarto` on PATH stops nbdev_proc_nbs from trying to download it (it is never called to render here).
set -euo pipefail
VENV="${1:-.venv}"; BIN="$VENV/bin"; OUT="${2:-_preview}"
cd "$(dirname "$0")/.."
unset IN_TEST
stub=$(mktemp -d); ql=$(mktemp -d); trap 'rm -rf "$stub" "$ql"' EXIT
printf '#!/bin/sh\necho "quarto stand-in (offline preview): $*" >&2\n' > "$stub/quarto"; chmod +x "$stub/quarto"
# nbdev_proc_nbs skips a notebook unless it is newer than both its _proc copy and the last run (the _proc folder's
# mtime), so a notebook saved while a run was under way, or deleted since, would keep a stale copy: drop those first.
for p in _proc/*.ipynb; do
  [ -e "$p" ] || continue
  s="nbs/${p#_proc/}"; if [ ! -e "$s" ] || [ "$s" -nt "$p" ]; then rm -f "$p"; fi
done
PATH="$stub:$PATH" MPLBACKEND=Agg "$BIN/nbdev_proc_nbs"
mkdir -p "$OUT"
for h in "$OUT"/*.html; do   # pages of notebooks that no longer exist
  [ -e "$h" ] || continue; [ -e "_proc/$(basename "${h%.html}").ipynb" ] || rm -f "$h"
done
"$BIN/python" scripts/quarto_like.py _proc "$ql"
"$BIN/jupyter" nbconvert --to html --output-dir "$OUT" --TagRemovePreprocessor.enabled=True \
  --TagRemovePreprocessor.remove_input_tags=remove_input --TagRemovePreprocessor.remove_all_outputs_tags=remove_output \
  "$ql"/*.ipynb >/dev/null 2>&1
ls "$OUT"/*.html | wc -l | xargs echo "rendered pages:"
