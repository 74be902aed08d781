#!/usr/bin/env bash
# Offline docs preview: nbdev's docs processing (what Quarto would render), then plain HTML via nbconvert.
# The real site is built with Quarto by .github/workflows/deploy.yaml; Quarto cannot be installed offline, so a
# stand-in `quarto` on PATH stops nbdev_proc_nbs from trying to download it (it is never called to render here).
set -euo pipefail
VENV="${1:-.venv}"; BIN="$VENV/bin"; OUT="${2:-_preview}"
cd "$(dirname "$0")/.."
unset IN_TEST
stub=$(mktemp -d); trap 'rm -rf "$stub"' EXIT
printf '#!/bin/sh\necho "quarto stand-in (offline preview): $*" >&2\n' > "$stub/quarto"; chmod +x "$stub/quarto"
PATH="$stub:$PATH" MPLBACKEND=Agg "$BIN/nbdev_proc_nbs"
mkdir -p "$OUT"
"$BIN/jupyter" nbconvert --to html --output-dir "$OUT" _proc/*.ipynb >/dev/null 2>&1
ls "$OUT"/*.html | wc -l | xargs echo "rendered pages:"
