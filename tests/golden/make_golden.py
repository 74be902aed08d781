#!/usr/bin/env python
"""Golden tokens: exact codes the bundled LM and the bundled MaskGIT pair generate on CPU for fixed seeds.

`python tests/golden/make_golden.py` recomputes every case and says which differ from tests/golden/golden_tokens.json
(exit 1 if any); `--update` rewrites the file (run it after retraining the bundled models, or after a deliberate change
to sampling, and say why in the commit). tests/test_golden_tokens.py runs the same cases and fails on any difference.

The cases are short (24-40 frames, one CPU thread) so the test takes a few seconds. The file records the SHA-256 of the
weight files it was made with, so a retrain is reported as such rather than as a change in sampling.
"""
import argparse, hashlib, json, sys
from pathlib import Path
import torch

GOLDEN = Path(__file__).resolve().parent/'golden_tokens.json'


def weight_hashes() -> dict:
    "SHA-256 (16 hex digits) of each bundled weight file the cases load."
    from codectok.core import weights_dir
    names = ['lm.safetensors', 'lm_conditioner.safetensors', 'maskgit_coarse.safetensors', 'maskgit_c2f.safetensors']
    return {n: hashlib.sha256((weights_dir()/n).read_bytes()).hexdigest()[:16] for n in names}


def compute() -> dict:
    "{case name: codes as nested lists} for every golden case, on CPU with one thread."
    from codectok.bundled import bundled_lm, bundled_maskgit, vamp_windows, vamp_mask
    from codectok.sampling import generate
    torch.set_num_threads(1)
    lm, cond = bundled_lm()
    out = {}
    with torch.inference_mode():
        keys = cond.prefix(60, 'keyboard'); brass = cond.prefix(72, 'brass')
    out['lm T=0.7 seed 0, CFG 5, MIDI 60 keyboard, 24 frames'] = generate(
        lm, 24, prefix=keys, temperature=0.7, cfg_scale=5.0, seed=0, progress=False)
    out['lm greedy, CFG 5, MIDI 72 brass, 16 frames'] = generate(lm, 16, prefix=brass, temperature=0, cfg_scale=5.0,
                                                                 progress=False)
    g = torch.Generator().manual_seed(1)
    prompt = torch.randint(0, 1024, (1, 8, 10), generator=g)[:, :lm.config.n_q]   # (1, K, T0): a fixed prompt
    out['lm top-k 50, CFG 3, seed 1, batch 2, 10-frame prompt + 14'] = generate(
        lm, 24, prefix=brass, batch_size=2, temperature=1.0, top_k=50, cfg_scale=3.0, seed=1, prompt_codes=prompt,
        progress=False)
    if hasattr(cond, 'd_prompt'):                 # an LM prompted by a sound: a fixed embedding as its prompt
        emb = torch.randn(cond.d_prompt, generator=torch.Generator().manual_seed(3))
        with torch.inference_mode(): sound = cond.prefix(embedding=emb)
        out['lm audio-embedding prompt, CFG 3, T=0.7, seed 2, 20 frames'] = generate(
            lm, 20, prefix=sound, temperature=0.7, cfg_scale=3.0, seed=2, progress=False)
    coarse, c2f = bundled_maskgit()
    codes = torch.randint(0, 1024, (1, 8, 40), generator=torch.Generator().manual_seed(2))  # (1, K, T)
    mask = vamp_mask(codes, 75.0, periodic=4)
    out['maskgit coarse + c2f, 8 passes, seed 0, periodic 4, 40 frames'] = vamp_windows(
        coarse, c2f, codes, mask, steps=8, seed=0, progress=False)
    return {k: v.tolist() for k, v in out.items()}


def load() -> dict:
    return json.loads(GOLDEN.read_text())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--update', action='store_true', help='rewrite tests/golden/golden_tokens.json')
    a = ap.parse_args()
    got = compute()
    if a.update:
        from codectok.core import atomic_write
        head = json.dumps(dict(torch=torch.__version__, weights=weight_hashes()), indent=1)[:-2]
        cases = ',\n'.join(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in got.items())   # one line per case
        text = f'{head},\n "cases": {{\n{cases}\n }}\n}}\n'
        json.loads(text)
        atomic_write(GOLDEN, lambda tmp: Path(tmp).write_text(text))
        print(f"wrote {len(got)} cases to {GOLDEN}")
        return
    want = load()['cases']
    bad = [k for k in set(want) | set(got) if want.get(k) != got.get(k)]
    for k in sorted(bad): print('differs:', k)
    print(f"{len(got) - len(bad)}/{len(got)} cases equal")
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
