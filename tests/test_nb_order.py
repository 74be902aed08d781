"""Chapters define before they use: no cell reads a name (directly, or inside a function it calls) that only a later
cell defines. Cells that only run online (`#| network`, `if use_pretrained():`) are not executed by the tests, so
this static check is what keeps them in order (chapter 08 once called `encodecmae_embedding`, whose helper
`_check_wav` was defined four cells later: a NameError only under CODECTOK_PRETRAINED=1)."""

import ast, builtins, json, re, symtable
from pathlib import Path

def _code(src):
    "Cell source as Python: IPython `!shell` and `%magic` lines become `pass`."
    return '\n'.join(re.sub(r'^(\s*)[!%].*', r'\1pass', l) for l in src.splitlines())

def _global_reads(t):
    "Global names read in scope `t` and the scopes nested in it."
    out = {s.get_name() for s in t.get_symbols() if s.is_referenced() and s.is_global()}
    for c in t.get_children(): out |= _global_reads(c)
    return out

def _own_modules(cells):
    "The modules a notebook writes (`default_exp` and `export X` targets)."
    return set(re.findall(r'^#\|\s*(?:default_exp|exports?)\s+([\w.]+)', '\n'.join(cells), re.M))

def _cell(src, own):
    """(names bound, names read at the top level, {function or class: global names its body reads}).
    Imports from the notebook's own modules bind nothing: the chapter must define before use."""
    top = symtable.symtable(_code(src), '<cell>', 'exec')
    own_imports = {a.asname or a.name for node in ast.walk(ast.parse(_code(src)))
                   if isinstance(node, ast.ImportFrom) and (node.module or '').removeprefix('codectok.') in own
                   for a in node.names}
    bound = {s.get_name() for s in top.get_symbols()
             if (s.is_assigned() or s.is_imported()) and s.get_name() not in own_imports}
    reads = {s.get_name() for s in top.get_symbols() if s.is_referenced()}
    funcs = {c.get_name(): _global_reads(c) for c in top.get_children()}
    return bound, reads, funcs

def used_before_defined(nb):
    """[(code cell index, name)]: a cell reads a name, directly or through the functions it calls, that only
    a later cell defines (e.g. a network-only cell calling a function whose helper is defined further down)."""
    cells = [''.join(c['source']) for c in json.loads(Path(nb).read_text())['cells'] if c['cell_type'] == 'code']
    own = _own_modules(cells)
    info = [_cell(c, own) for c in cells]
    bad, seen, funcs = [], set(dir(builtins)), {}
    for i, (bound, reads, fs) in enumerate(info):
        seen |= bound; funcs.update(fs)
        todo, closure = list(reads), set()
        while todo:  # what the cell reads, and what the functions it calls read, transitively
            n = todo.pop()
            if n in closure: continue
            closure.add(n); todo += funcs.get(n, ())
        later = set().union(*(b for b, _, _ in info[i+1:]))
        bad += [(i, n) for n in sorted(closure - seen) if n in later]
    return bad

ROOT = Path(__file__).resolve().parent.parent
# (notebook, name): a reference the call graph over-approximates (the call is behind a flag the cell leaves off)
ALLOWED = {('04_tokenization.ipynb', 'fuse_for_inference_')}  # load_mini_codec(fuse=False) never calls it

def _nb(tmp_path, *cells):
    p = tmp_path/'x.ipynb'
    p.write_text(json.dumps({'cells': [{'cell_type': 'code', 'source': s} for s in cells]}))
    return p

def test_checker_finds_a_helper_defined_after_its_first_call(tmp_path):
    nb = _nb(tmp_path, '#| default_exp m\nfrom codectok.m import _helper  # own module: not a definition',
             'def embed(x): return _helper(x)',
             '#| network\n!pip install x\nif use_pretrained(): embed(1)',
             'def _helper(x): return x')
    assert used_before_defined(nb) == [(2, '_helper')]
    ok = _nb(tmp_path, 'def embed(x): return _helper(x)', 'def _helper(x): return x', 'embed(1)')
    assert used_before_defined(ok) == []

def test_chapters_define_before_use():
    bad = {f'{nb.name} code cell {i}: {n}' for nb in sorted((ROOT/'nbs').glob('*.ipynb'))
           for i, n in used_before_defined(nb) if (nb.name, n) not in ALLOWED}
    assert not bad, ('these cells read a name that only a later cell defines; move the definition up: '
                     + '; '.join(sorted(bad)))
