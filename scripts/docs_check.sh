#!/usr/bin/env bash
# Offline docs check (what `make docs-check` and stage 4 of scripts/test.sh run): nbdev's docs processing rendered to
# HTML without Quarto (scripts/docs_preview.sh, into _preview/), then every audio player checked: a valid WAV of the
# expected rate and length that loads in headless Chromium (scripts/docs_check.py). Extra arguments go to docs_check.py,
# e.g. --write-results. Leaves no tracked changes (_proc/ and _preview/ are gitignored).
set -euo pipefail
VENV="${1:-.venv}"; shift || true
cd "$(dirname "$0")/.."
bash scripts/docs_preview.sh "$VENV" _preview
# The players, then the course checks on the processed notebooks (code shown, no raw-markdown outputs, markdown cells
# <= 250 words, figures captioned; lines over 100 characters are reported, not failed).
"$VENV/bin/python" scripts/docs_check.py _preview --course _proc --max-line "$@"
