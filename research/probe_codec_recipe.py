"""Which training recipe makes the mini codec learn pitch on held-out notes within a CPU budget? An ablation.

    python research/probe_codec_recipe.py B H          # run variants B and H (see VARIANTS), append their results
    python research/probe_codec_recipe.py --list        # show the variants
    python research/probe_codec_recipe.py --table       # rebuild the Markdown table from the saved results

Each variant trains the default `MiniCodecConfig` (non-causal SEANet, 16 filters) from scratch as a plain autoencoder
(quantizer bypassed, or — variant Q — quantized with 8 codebooks from variant B's weights) on NSynth-mini's train notes
with a plain AdamW loop (lr 2e-3, betas 0.8/0.99, no schedule, 1 thread), and every `--eval-every` steps reports, on 24
held-out notes of the valid split (1 s from 0.25 s), how many keep their pYIN median pitch within 50 cents, the
median absolute error in cents and the median output/input RMS ratio. The loss is chapter 05's: multi-scale mel
(FFT 2048/1024/512/256) with L1 of log10(mel + eps) plus L1 of mel magnitudes, plus `wav` x waveform L1.

What it found (results/probe_codec_recipe.md): the floor `eps` inside the log decides everything. With eps 1e-5 the
loss is dominated by near-silent mel bins, the decoder learns quiet average spectra and no pitch; with eps 1e-2 the
loss looks at the partials and pitch appears within a few hundred steps. That is `TrainConfig.mel_eps`.
Seed controls (Bc, B1: B with its crops in another order, or another seed) ended at 12 and 10 of 24 after 1,500
steps against B's 17, so single-run differences of a few notes are noise; the floor and the ~600 Hz low-pass hold
in every run.
"""
import argparse, json, time, warnings
from pathlib import Path
import numpy as np
import torch

warnings.filterwarnings('ignore')
RESULTS = Path(__file__).resolve().parent/'results'
OUT = RESULTS/'probe_codec_recipe.json'

BASE = dict(steps=600, batch=32, crop=0.2, eps=1e-2, wav=0.1, lin=1.0, sc=0.0, rel=False, mel_norm='slaney',
            n_filters=16, n_residual_layers=0, quantize=False, init=None, snake=False, cplx=0.0,
            synth=0.0, seed=0, shift_crops=False)
VARIANTS = {
    'A': ('session-2 recipe: eps 1e-5, 8 crops of 0.75 s', dict(eps=1e-5, batch=8, crop=0.75, steps=400)),
    'B': ('eps 1e-2, 32 crops of 0.2 s (the new default)', dict(steps=1500)),
    'C': ('B + linear-STFT spectral convergence loss', dict(sc=1.0, steps=600)),
    'D': ('B with 8 filters (faster codec)', dict(n_filters=8, steps=1200)),
    'E': ('B with a relative floor: eps = 1e-3 x max mel of the item', dict(rel=True, eps=1e-3, steps=300)),
    'F': ('B with a relative floor: eps = 1e-2 x max mel of the item', dict(rel=True, eps=1e-2, steps=300)),
    'G': ('B with unnormalised mel filters (norm=None)', dict(mel_norm=None, steps=900)),
    'H': ('B with eps 1e-3', dict(eps=1e-3, steps=900)),
    'I': ('B with eps 1e-5 (isolates the floor)', dict(eps=1e-5, steps=600)),
    'B3': ('B after 1500 steps, 500 more steps (control for K)', dict(init='B', steps=500)),
    'K': ('B after 1500 steps, then without the waveform L1 term', dict(init='B', wav=0.0, steps=1000)),
    'R': ('B with one residual block per stage (EnCodec has one)', dict(n_residual_layers=1, steps=900)),
    'Q': ('B after 1500 steps, then 300 quantized steps (8 codebooks, dropout 0.5)', dict(quantize=True, init='B', steps=300)),
    'S': ('B with Snake activations (DAC) instead of ELU', dict(snake=True, steps=1500)),
    'W': ('B with 10x the waveform L1 (1.0): phase-aware, so the latent must say where each frame is in its cycle',
          dict(wav=1.0, steps=1500)),
    'X': ('B + relative complex-STFT L1 at FFT 512 and 256 (phase-aware at high frequencies)', dict(cplx=1.0, steps=1500)),
    'Y': ('B + synthetic harmonic tones as 1/4 of each batch (f0 log-uniform 65-2100 Hz, 1-12 partials of random brightness, steady): '
          'more steady periodic material at high f0 (35 % of the train notes are C5 and up)', dict(synth=0.25, steps=1500)),
    'Bc': ('B with a shifted crop stream (one extra random draw per crop; same init and config): a seed control',
           dict(steps=1500, shift_crops=True)),
    'B1': ('B with seed 1 (init and crops): a seed control', dict(steps=1500, seed=1)),
}


def held_out(n:int=24):
    from codectok.data import render_nsynth_mini, NSynthDataset
    va = NSynthDataset(render_nsynth_mini(verbose=False), 'valid')
    return [va[i] for i in range(0, len(va), max(1, len(va) // n))][:n]


def evaluate(m, notes, quantize:bool) -> dict:
    from codectok.codec_metrics import pitch_cents_error, sine_response
    errs, ratio = [], []
    m.eval()
    with torch.no_grad():
        for d in notes:
            x = torch.as_tensor(d['wav'][6000:30000]).float()[None, None]
            y = m(x, quantize=quantize)[0]
            c = pitch_cents_error(x[0], y[0], 24_000, fmin=30, fmax=4000)     # NaN: unvoiced original, inf: pitch lost
            if np.isnan(c): continue
            errs.append(abs(c)); ratio.append((y.std() / x.std()).item())
    gain = sine_response(lambda x: m(x, quantize=quantize)[0], (220, 440, 660, 880, 1200, 1600, 2400))
    m.train()
    return dict(sine_gain=gain, within_50_cents=int(sum(e < 50 for e in errs)), n_voiced=len(errs),
                median_abs_cents=float(np.median(errs)), median_rms_ratio=float(np.median(ratio)))


def run(name:str, eval_every:int) -> dict:
    import librosa, random
    from codectok.codec import MiniCodec, MiniCodecConfig
    from codectok.data import render_nsynth_mini, NSynthDataset
    desc, kw = VARIANTS[name]; c = BASE | kw
    torch.manual_seed(c['seed']); random.seed(c['seed']); rng = np.random.default_rng(c['seed'])
    tr = [d['wav'] for d in NSynthDataset(render_nsynth_mini(verbose=False), 'train')]
    notes = held_out()
    m = MiniCodec(MiniCodecConfig(n_filters=c['n_filters'], n_residual_layers=c['n_residual_layers'],
                                  **({'activation': 'Snake'} if c['snake'] else {})))
    if c['init']: m.load_state_dict(torch.load(RESULTS/f"probe_codec_recipe_{c['init']}.pt", weights_only=True))
    opt = torch.optim.AdamW(m.parameters(), lr=2e-3, betas=(0.8, 0.99), weight_decay=1e-4)
    fbs = {(f, n): torch.from_numpy(librosa.filters.mel(sr=24_000, n_fft=f, n_mels=n, norm=c['mel_norm'])).float()
           for f, n in zip((2048, 1024, 512, 256), (150, 100, 80, 40))}
    crop = int(c['crop'] * 24_000) // 320 * 320

    def loss_fn(x, y):
        tot = 0.
        for (f, n), fb in fbs.items():
            w = torch.hann_window(f)
            X, Y = (torch.stft(s[:, 0], f, f // 4, window=w, return_complex=True).abs() for s in (x, y))
            mx, my = fb @ X, fb @ Y
            e = c['eps'] * mx.amax(dim=(1, 2), keepdim=True) + 1e-8 if c['rel'] else c['eps']
            tot = tot + (torch.log10(mx + e) - torch.log10(my + e)).abs().mean() + c['lin'] * (mx - my).abs().mean()
            if c['sc']: tot = tot + c['sc'] * torch.linalg.norm(X - Y) / torch.linalg.norm(X)
        for f in ((512, 256) if c['cplx'] else ()):                 # |X - Y| of complex spectra: wrong phase costs
            w = torch.hann_window(f)
            Xc, Yc = (torch.stft(s[:, 0], f, f // 4, window=w, return_complex=True) for s in (x, y))
            tot = tot + c['cplx'] * len(fbs) / 2 * (Xc - Yc).abs().mean() / Xc.abs().mean().clamp_min(1e-8)
        return tot / len(fbs) + c['wav'] * (x - y).abs().mean()

    def tone():                                             # a steady harmonic tone: random pitch, partials, phases
        from codectok.codec_metrics import harmonic_note
        flat = dict(attack=1e-4, decay=1e-4, sustain=1.0, release=1e-4)
        return harmonic_note(float(rng.uniform(36, 96)), crop / 24_000, n_harmonics=int(rng.integers(1, 13)),
                             brightness=float(rng.uniform(0.3, 2.5)), amp=float(rng.uniform(0.05, 0.7)), env=flat,
                             seed=int(rng.integers(1 << 30)))

    def batch():
        xs = []
        for _ in range(c['batch']):
            if (c['synth'] or c['shift_crops']) and rng.random() < c['synth']: xs.append(tone()); continue   # Bc: draw, discard
            w = tr[rng.integers(len(tr))]; s = int(rng.integers(0, max(1, len(w) - crop - 24_000)))   # skip the release tail
            xs.append(torch.as_tensor(w[s:s + crop]))
        return torch.stack(xs)[:, None].float()

    if c['quantize']: m.init_codebooks_(torch.cat([batch() for _ in range(4)]))
    rows, t0 = [], time.time()
    for step in range(1, c['steps'] + 1):
        x = batch(); n_q = random.randint(1, 8) if random.random() < 0.5 else 8
        y, _, commit = m(x, n_q=n_q, quantize=c['quantize'])
        loss = loss_fn(x, y) + commit
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
        if step % eval_every == 0:
            rows.append(dict(step=step, seconds=round(time.time() - t0), **evaluate(m, notes, c['quantize'])))
            print(name, rows[-1], flush=True)
    if name == 'B': torch.save(m.state_dict(), RESULTS/'probe_codec_recipe_B.pt')     # Q starts from it (not committed)
    return dict(description=desc, config={k: v for k, v in c.items()}, rows=rows)


def table(res:dict) -> str:
    steps = sorted({r['step'] for v in res.values() for r in v['rows']})
    head = '| variant | ' + ' | '.join(f'step {s}' for s in steps) + ' |\n|---|' + '---|' * len(steps) + '\n'
    body, gains = '', ''
    for k in sorted(res):
        by = {r['step']: r for r in res[k]['rows']}
        cell = lambda r: f"{r['within_50_cents']}/{r['n_voiced']} ({r['median_abs_cents']:.0f}c, rms x{r['median_rms_ratio']:.2f})" if r else ''
        body += f"| {k}: {res[k]['description']} | " + ' | '.join(cell(by.get(s)) for s in steps) + ' |\n'
        g = res[k]['rows'][-1].get('sine_gain') if res[k]['rows'] else None
        if g: gains += f"| {k} | " + ' | '.join(f'{v:.2f}' for v in g.values()) + ' |\n'
    return ('# Codec recipe ablation (research/probe_codec_recipe.py)\n\nHeld-out notes (NSynth-mini valid, 24 spread '
            'over families and pitches) whose reconstruction keeps its pYIN pitch within 50 cents; in brackets the '
            'median absolute error and the median output/input RMS ratio. Autoencoder without quantization unless '
            'the variant says otherwise. 1 torch thread on a shared 2-core CPU (0.3-0.6 s per step).\n\n' + head + body
            + ('\n## Output/input level of pure sines at the last step (1 = passed, 0 = removed)\n\n| variant | '
               + ' | '.join(f'{f} Hz' for f in (220, 440, 660, 880, 1200, 1600, 2400)) + ' |\n|---|' + '---|' * 7 + '\n' + gains
               if gains else ''))


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('variants', nargs='*'); ap.add_argument('--eval-every', type=int, default=300)
    ap.add_argument('--list', action='store_true'); ap.add_argument('--table', action='store_true')
    a = ap.parse_args()
    if a.list:
        for k, (d, kw) in VARIANTS.items(): print(k, d, kw)
        raise SystemExit
    bad = [v for v in a.variants if v not in VARIANTS]
    if bad: ap.error(f"unknown variant(s) {bad}; choose from {sorted(VARIANTS)}")
    torch.set_num_threads(1)
    from codectok.core import atomic_write
    res = json.loads(OUT.read_text()) if OUT.exists() else {}
    for v in a.variants:
        r = run(v, a.eval_every)
        res = json.loads(OUT.read_text()) if OUT.exists() else {}   # another process may have added variants meanwhile
        res[v] = r
        atomic_write(OUT, lambda t: Path(t).write_text(json.dumps(res, indent=1)))
    md = table(res); atomic_write(RESULTS/'probe_codec_recipe.md', lambda t: Path(t).write_text(md))
    print(table(res))
