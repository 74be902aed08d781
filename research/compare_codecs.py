#!/usr/bin/env python
"""Paired comparison of mini codecs on the same held-out notes: which notes' pitch each one keeps that the other loses.

Two counts from `eval_codec.py` (say 213 and 219 of 272 notes kept within 50 cents) mostly agree note by note, so
their difference is judged by the notes where they disagree (McNemar's exact test): with b notes kept only by the
baseline and c only by the candidate, the two-sided p-value is that of c successes in b + c fair coin flips.

    python benchmarks/eval_codec.py --n-notes 273 --out R/shipped             # once per codec, same --n-notes/--seconds
    python benchmarks/eval_codec.py --n-notes 273 --weights W.safetensors --out R/cand
    python research/compare_codecs.py R/shipped R/cand [R/cand2 ...] --out R    # the first folder is the baseline

Writes compare_codecs.json / .md in --out.
"""
import argparse, json, sys
from pathlib import Path
from scipy.stats import binomtest
sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'benchmarks'))   # benchmarks/_common.py (and eval_codec.py)
from _common import REGISTERS
from codectok.core import atomic_write


def load_eval(folder) -> dict:
    "eval_codec.json in `folder`, checked to hold the per-note outcomes a paired comparison needs."
    p = Path(folder)/'eval_codec.json'
    if not p.exists(): raise ValueError(f"no eval_codec.json in {folder}; run benchmarks/eval_codec.py --out {folder} first.")
    ev = json.loads(p.read_text())
    if 'per_note' not in ev:
        raise ValueError(f"{p} has no per-note outcomes (written by an older eval_codec.py, or by --synthetic); rerun it.")
    return ev


def paired(base:dict, cand:dict) -> dict:
    "Notes kept by both, by the baseline only, by the candidate only, per register and in all, with McNemar's exact p."
    bp, cp = base['per_note'], cand['per_note']
    if bp['pitch'] != cp['pitch'] or base['data'] != cand['data'] or base['seconds_per_note'] != cand['seconds_per_note']:
        raise ValueError(f"the two evaluations are not on the same notes ({base['data']!r} vs {cand['data']!r}); "
                         "run eval_codec.py with the same --n-notes and --seconds for both.")
    rows = {name: dict(both=0, base_only=0, cand_only=0, neither=0, voiced=0) for *_, name in REGISTERS}
    rows['all'] = dict(both=0, base_only=0, cand_only=0, neither=0, voiced=0)
    for pitch, kb, kc in zip(bp['pitch'], bp['kept'], cp['kept']):
        if kb is None: continue                                              # unvoiced original: no pitch to keep
        name = next(n for lo, hi, n in REGISTERS if lo <= pitch <= hi)
        key = 'both' if kb and kc else 'base_only' if kb else 'cand_only' if kc else 'neither'
        for r in (rows[name], rows['all']): r[key] += 1; r['voiced'] += 1
    for r in rows.values():
        d = r['base_only'] + r['cand_only']
        r['p_value'] = binomtest(r['cand_only'], d).pvalue if d else 1.0
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('folders', nargs='+', help='eval_codec.py output folders; the first is the baseline')
    ap.add_argument('--out', default=None, help='folder for compare_codecs.json / .md (default: the first folder\'s parent)')
    a = ap.parse_args(argv)
    if len(a.folders) < 2: ap.error("give a baseline folder and at least one candidate folder")
    try:
        evs = [load_eval(f) for f in a.folders]
        res = {Path(f).name: paired(evs[0], ev) for f, ev in zip(a.folders[1:], evs[1:])}
    except ValueError as e: ap.error(str(e))
    base = Path(a.folders[0]).name
    md = [f"# Paired pitch comparison against `{base}`", "",
          f"Data: {evs[0]['data']}; first {evs[0]['seconds_per_note']:g} s of each note; kept = pYIN pitch of the 8-codebook "
          f"reconstruction within 50 cents. Per register: kept by {base} → kept by the candidate (+ gained, − lost); "
          f"p = McNemar's exact two-sided test on the notes where the two disagree.", "",
          "| candidate | " + " | ".join(res[next(iter(res))].keys()) + " |", "|---|" + "---|" * len(res[next(iter(res))])]
    for name, rows in res.items():
        cell = lambda r: (f"{r['both'] + r['base_only']} → {r['both'] + r['cand_only']} of {r['voiced']} "
                          f"(+{r['cand_only']} −{r['base_only']}, p {r['p_value']:.2g})")
        md.append(f"| {name} | " + " | ".join(cell(r) for r in rows.values()) + " |")
    out = Path(a.out) if a.out else Path(a.folders[0]).resolve().parent
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out/'compare_codecs.json', lambda t: Path(t).write_text(json.dumps(dict(baseline=base, candidates=res), indent=1)))
    atomic_write(out/'compare_codecs.md', lambda t: Path(t).write_text('\n'.join(md) + '\n'))
    print('\n'.join(md))


if __name__ == '__main__':
    main()
