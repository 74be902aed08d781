#!/usr/bin/env python3
"""Write README.md from nbs/index.ipynb (settings.ini `readme_nb`) without Quarto.

`nbdev_readme` needs Quarto, which cannot be installed offline; this renders the same notebook's markdown cells
(and visible code cells) so the README stays generated from the landing page. `--check` fails if README.md is stale.
"""
import sys, json, re
from pathlib import Path
root = Path(__file__).resolve().parent.parent
nb = json.loads((root/'nbs'/'index.ipynb').read_text(encoding='utf-8'))
parts = []
for c in nb['cells']:
    src = ''.join(c['source']) if isinstance(c['source'], list) else c['source']
    if c['cell_type'] == 'markdown':
        # relative chapter links point at the docs site
        src = re.sub(r'\]\(([\w_]+)\.html\)', r'](https://codectok.github.io/codectok/\1.html)', src)
        parts.append(src.strip())
    elif c['cell_type'] == 'code' and not re.match(r'\s*#\|\s*(hide|eval:\s*false)', src):
        parts.append('```python\n' + src.strip() + '\n```')
text = '\n\n'.join(parts) + '\n'
text = re.sub(r'^> (.*)$', r'> \1', text, flags=re.M)
out = root/'README.md'
if '--check' in sys.argv:
    if not out.exists() or out.read_text(encoding='utf-8') != text:
        sys.exit('README.md is out of date with nbs/index.ipynb: run `python scripts/make_readme.py`.')
    print('README.md is in sync with nbs/index.ipynb')
else:
    out.write_text(text, encoding='utf-8'); print(f'wrote {out}')
