"""Which mini-codec architecture learns pitch at all? Overfit one batch without the quantizer and watch pYIN.

    python research/probe_codec_pitch.py --steps 400
    python research/probe_codec_pitch.py --min-pitch 84 --steps 300 --configs shipped wide --out research/results/probe_codec_pitch_high.json

Trains each candidate `MiniCodecConfig` as a plain autoencoder (quantizer bypassed) on the same 8 NSynth-mini notes
(0.5 s each, one batch), with the training chapter's loss (multi-scale log+linear mel L1 + 0.1 waveform L1), and
reports every 100 steps the share of notes whose reconstruction's pYIN pitch is within 50 cents of the original's.
A decoder that cannot do this on 8 memorised notes will not do it on held-out ones after any amount of training.
--min-pitch picks the 8 notes from MIDI P to 95 (84 = C6, where the shipped codec loses most notes; 95 = B6, below pYIN's 2 kHz ceiling),
so the probe asks whether an architecture can represent high notes at all; --configs runs a subset of CANDIDATES.
"""
import argparse, json, math, time, warnings
from pathlib import Path
import numpy as np
import torch

warnings.filterwarnings('ignore')
from codectok.codec import MiniCodec, MiniCodecConfig
from codectok.codec_metrics import pitch_cents_error
from codectok.codec_train import mel_loss
from codectok.data import render_nsynth_mini, NSynthDataset
from codectok.core import atomic_write

CANDIDATES = {'session1': ('causal, 8 filters, 1 residual layer (session-1 recipe)', {}),
              'shipped': ('non-causal, 16 filters, no residual layer', dict(n_filters=16, causal=False, n_residual_layers=0)),
              'wide': ('non-causal, 32 filters, 1 residual layer', dict(n_filters=32, causal=False, n_residual_layers=1))}


def probe(kw:dict, x:torch.Tensor, steps:int, every:int=100) -> list:
    torch.manual_seed(0)
    m = MiniCodec(MiniCodecConfig(**kw)); opt = torch.optim.AdamW(m.parameters(), lr=2e-3, betas=(0.8, 0.99))
    rows, t0 = [], time.time()
    for s in range(steps + 1):
        if s % every == 0:
            with torch.no_grad(): y = m.eval()(x, quantize=False)[0]
            m.train()
            c = [pitch_cents_error(x[i], y[i], 24000) for i in range(len(x))]
            rows.append(dict(step=s, seconds=round(time.time() - t0), within_50_cents=float(np.mean([abs(v) < 50 for v in c]))))
            print(kw, rows[-1], flush=True)
        if s == steps: break
        y = m(x, quantize=False)[0]
        loss = mel_loss(x, y, 24000, eps=1e-5) + 0.1 * (x - y).abs().mean()   # the floor of its committed run
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--steps', type=int, default=400)
    ap.add_argument('--min-pitch', type=int, default=None, help='take the 8 notes from those with MIDI pitch in [this, 95]')
    ap.add_argument('--configs', nargs='+', choices=list(CANDIDATES), default=['session1', 'shipped'])
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'/'probe_codec_pitch.json'))
    a = ap.parse_args()
    if a.steps < 1: ap.error(f'--steps must be positive, got {a.steps}')
    torch.set_num_threads(1)
    ds = NSynthDataset(render_nsynth_mini(verbose=False), 'train')
    if a.min_pitch is None: idx = list(range(0, 2290, 290))[:8]
    else:
        idx = [i for i, m in enumerate(ds.examples) if a.min_pitch <= m['pitch'] <= 95]   # pYIN searches up to 2 kHz (B6)
        if len(idx) < 8: ap.error(f'--min-pitch {a.min_pitch}: only {len(idx)} train notes from there to MIDI 95, the probe needs 8')
        idx = idx[::len(idx) // 8][:8]                                                             # spread over instruments
    x = torch.stack([ds[i]['wav'][6000:18000] for i in idx])[:, None].float()   # (8, 1, 0.5 s)
    res = {CANDIDATES[c][0]: probe(CANDIDATES[c][1], x, a.steps) for c in a.configs}
    res['notes'] = [ds.examples[i]['note_str'] for i in idx]
    atomic_write(Path(a.out), lambda tmp: Path(tmp).write_text(json.dumps(res, indent=1)))


if __name__ == '__main__':
    main()
