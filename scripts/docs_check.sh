#!/usr/bin/env bash
# Offline docs check (what `make docs-check` and stage 4 of scripts/test.sh run): nbdev's docs processing rendered to
# HTML without Quarto (scripts/docs_preview.sh, into _preview/), then every audio player checked: a valid WAV of the
# expected rate and length that loads in headless Chromium (scripts/docs_check.py). Extra arguments go to docs_check.py,
# e.g. --write-results. Leaves no tracked changes (_proc/ and _preview/ are gitignored).
set -euo pipefail
VENV="${1:-.venv}"; shift || true
cd "$(dirname "$0")/.."
bash scripts/docs_preview.sh "$VENV" _preview
# Course checks (code shown, no raw-markdown outputs, markdown cells <= 250 words, figures captioned) are off until the
# chapters pass them; `make course-check` runs them on nbs/. To guard them here, replace the next line with:
#   "$VENV/bin/python" scripts/docs_check.py _preview --course _proc --max-line "$@"
"$VENV/bin/python" scripts/docs_check.py _preview "$@"
