#!/usr/bin/env python3
"""Quarto's cell options applied to processed notebooks, for the offline docs preview (nbconvert knows none of them).

Usage: quarto_like.py SRC_DIR OUT_DIR   (e.g. _proc/ and a temporary folder; scripts/docs_preview.sh runs it)

Each `SRC_DIR/*.ipynb` is written to OUT_DIR as Quarto would show it: `#| ...` option lines leave the source, a cell
with `include: false` leaves the page, `echo: false` tags the cell `remove_input` and `output: false` `remove_output`
(for nbconvert's TagRemovePreprocessor), and a `fig-cap` becomes a caption under each figure of its cell.
"""
from __future__ import annotations
import html, importlib.util, json, sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location('docs_check', Path(__file__).resolve().parent/'docs_check.py')
dc = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(dc)

CAPTION = '<p class="figure-caption" style="text-align:center;font-style:italic;margin:0.3em 2em 1em">{}</p>'


def _unquote(v:str) -> str:
    v = v.strip()
    return v[1:-1] if len(v) >= 2 and v[0] == v[-1] and v[0] in '"\'' else v


def quarto_like(nb:dict) -> dict:
    "A copy of notebook `nb` with Quarto's cell options applied (see the module docstring)."
    cells = []
    for c in nb['cells']:
        c = json.loads(json.dumps(c))
        if c['cell_type'] == 'code':
            d, code = dc.cell_directives(dc._src(c.get('source')))
            if d.get('include', '').lower() == 'false': continue
            c['source'] = code
            tags = c.setdefault('metadata', {}).setdefault('tags', [])
            if d.get('echo', '').lower() == 'false' or not code.strip(): tags.append('remove_input')
            if d.get('output', '').lower() == 'false': tags.append('remove_output')
            cap = _unquote(d.get('fig-cap', ''))
            if cap:
                outs = []
                for o in c.get('outputs', []):
                    outs.append(o)
                    if any(k in o.get('data', {}) for k in dc.IMAGE_MIMES):
                        outs.append(dict(output_type='display_data', metadata={},
                                         data={'text/html': CAPTION.format(html.escape(cap)), 'text/plain': cap}))
                c['outputs'] = outs
        cells.append(c)
    return {**nb, 'cells': cells}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2: print(__doc__.split('\n\n')[1]); return 2
    src, out = map(Path, argv)
    out.mkdir(parents=True, exist_ok=True)
    for p in sorted(src.glob('*.ipynb')):
        (out/p.name).write_text(json.dumps(quarto_like(json.loads(p.read_text(encoding='utf-8'))), ensure_ascii=False),
                                encoding='utf-8')
    return 0


if __name__ == '__main__':
    sys.exit(main())
