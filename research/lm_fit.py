#!/usr/bin/env python
"""Is the bundled LM limited by its data? Cross-entropy of one or more LM folders on NSynth-mini train, valid and test.

Each LM (a folder with lm.safetensors + lm_conditioner.safetensors, trained on the bundled codec's tokens) is scored
in eval mode (no dropout) with its label prefix on the first 150 frames of each note, as `train_bundled.py lm`
trains it: --n-train train notes spread evenly over the split, and the whole valid and test splits. A warm restart
that lowers the train figure while the held-out ones rise is fitting its 2,290 training notes, not learning more
about notes.

Usage: python research/lm_fit.py [--weights DIR ...] [--n-train 300] [--out research/results/lm_fit]
(default: the bundled LM only). Writes lm_fit.json and lm_fit.md.
"""
import argparse, json, sys
from pathlib import Path
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'scripts'))
from codectok.core import weights_dir, atomic_write


def split_ce(lm, cond, tok:dict, n_train:int) -> dict:
    "Mean cross-entropy (nats) per split: `n_train` train notes spread over the split, all valid and test notes."
    from train_bundled import LM_FRAMES
    from codectok.conditioning import lm_loss
    out = {}
    for s in ('train', 'valid', 'test'):
        codes, labels = tok[s]['notes'][..., :LM_FRAMES], tok[s]['labels']
        if s == 'train':                                    # spread over the split, which is ordered
            idx = torch.linspace(0, len(codes) - 1, min(n_train, len(codes))).round().long()
            codes, labels = codes[idx], labels[idx]
        with torch.no_grad(): out[s] = float(lm_loss(lm, codes, cond(labels)))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--weights', nargs='+', default=None, help='LM folders (default: the bundled one)')
    ap.add_argument('--n-train', type=int, default=300)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'/'lm_fit'))
    a = ap.parse_args()
    if a.n_train < 1: ap.error(f"--n-train must be >= 1, got {a.n_train}")
    dirs = [Path(w) for w in a.weights] if a.weights else [weights_dir()]
    for d in dirs:
        for f in ('lm.safetensors', 'lm_conditioner.safetensors'):
            if not (d/f).exists(): ap.error(f"{d} has no {f}: --weights takes folders with an LM and its conditioner")
    torch.set_num_threads(a.threads)
    from train_bundled import tokens
    from codectok.gpt import load_codec_lm
    from codectok.conditioning import load_conditioner
    tok, res = tokens(verbose=False), {}
    for d in dirs:
        card = json.loads((d/'lm.card.json').read_text()) if (d/'lm.card.json').exists() else {}
        lm, cond = load_codec_lm(d/'lm.safetensors').eval(), load_conditioner(d/'lm_conditioner.safetensors').eval()
        res[str(d)] = dict(steps=card.get('steps'), ce=split_ce(lm, cond, tok, a.n_train))
        print(d, res[str(d)], flush=True)
    lines = ["# LM cross-entropy on seen and unseen notes", "",
             f"Label-prefixed cross-entropy (nats, eval mode) on the first 150 frames: {a.n_train} train notes spread over the split, "
             "the valid and the test split (`research/lm_fit.py`).", "",
             "| LM | steps | train | valid | test |", "|---|---|---|---|---|"]
    lines += [f"| `{k}` | {v['steps']} | {v['ce']['train']:.3f} | {v['ce']['valid']:.3f} | {v['ce']['test']:.3f} |" for k, v in res.items()]
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    atomic_write(out/'lm_fit.json', lambda tmp: Path(tmp).write_text(json.dumps(dict(n_train=a.n_train, lms=res), indent=1)))
    atomic_write(out/'lm_fit.md', lambda tmp: Path(tmp).write_text('\n'.join(lines) + '\n'))


if __name__ == '__main__':
    main()
