"""Can training move the mini codec's high tones off its fixed set of frequencies, and what does it take? A quick fit.

    python research/probe_tone_fit.py --weights STAGE5.safetensors   # the recorded run: 3 arms x 600 steps (~10 min, 1 thread)
    python research/probe_tone_fit.py --steps 300 --arms continuous --out DIR   # from the shipped codec

The recorded run (results/tone_sweep/probe_tone_fit.md) started from the stage-5 candidate, whose weights are no
longer in the tree: `git show bc3bfeb:benchmarks/results/full_test_split/stage5/lin/mini_codec.safetensors > STAGE5.safetensors`
(and `mini_codec.json` beside it from the same path).

`tone_sweep.py` shows the codec turning many tones from C5 up into a neighbouring frequency: a harmonic of the 75 Hz
frame rate, or the tone plus 75 Hz. This fine-tunes a copy of a codec on synthetic harmonic tones only (batches of 8
x 0.5 s, `codec_data.synthetic_notes`, AdamW at --lr, chapter 05's loss with `spectral_convergence_loss` at
--sc-weight) and sweeps the semitones MIDI 80-98 every 100 steps. Three arms:
- fixed: tones at five fixed pitches the codec gets wrong (MIDI 80, 83, 86, 88, 90), plus four it gets right;
- continuous: tones at any pitch from MIDI 55 to 100, between the semitones too;
- decoder: as continuous, with the encoder and codebooks frozen (the tokens stay the same).
The swept semitones are not training pitches in the continuous arms (their pitches are continuous), so "kept" there
is generalisation; in the fixed arm the nine training pitches are part of the sweep. Not the pitch bar (that is pYIN on
NSynth-mini, `eval_codec.py`): this asks which training signal can fix the error at all.
Writes DIR/probe_tone_fit.json and .md (default DIR: research/results/tone_sweep).
"""
import argparse, time, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'benchmarks'))   # benchmarks/_common.py (and eval_codec.py)
from _common import load_codec_weights, write_results
from tone_sweep import RESULTS, codec_paths, cents, sweep

FIXED = (80, 83, 86, 88, 90, 60, 67, 72, 76)
SWEPT = list(range(80, 99))


def kept(model) -> list:
    "MIDI pitches of SWEPT whose tone comes back within 50 cents at 8 codebooks."
    model.eval()
    rows = sweep(codec_paths(model), SWEPT)
    model.train()
    return [r['midi'] for r in rows if abs(cents(r['out_hz'], r['hz'])) < 50]


def fit(model, arm:str, steps:int, lr:float, sc_weight:float, every:int=100, seed:int=0) -> list:
    "Fine-tune `model` in place on `arm`'s tones; [{'step', 'kept'}] at step 0 and every `every` steps."
    import numpy as np, torch
    from codectok.codec_train import TrainConfig, codec_loss
    from codectok.codec_data import synthetic_notes
    cfg, rng = TrainConfig(sc_weight=sc_weight), np.random.default_rng(seed)
    if arm == 'decoder':
        for p in [*model.encoder.parameters(), *model.quantizer.parameters()]: p.requires_grad_(False)
    params = model.decoder.parameters() if arm == 'decoder' else model.parameters()
    opt = torch.optim.AdamW(params, lr=lr, betas=(0.8, 0.99))
    log = [dict(step=0, kept=kept(model))]
    for s in range(1, steps + 1):
        if arm == 'fixed': wavs = [synthetic_notes(1, 0.5, seed=int(rng.integers(1 << 30)), midi_range=(p, p))[0]
                                   for p in rng.choice(FIXED, 8)]
        else: wavs = synthetic_notes(8, 0.5, seed=int(rng.integers(1 << 30)), midi_range=(55, 100), continuous=True)
        x = torch.stack(wavs)[:, None]
        q = model.quantizer(model.encoder(x), model.frame_rate, 6.0)        # 8 codebooks
        loss, _ = codec_loss(x, model.decoder(q.quantized)[..., :x.shape[-1]], q.penalty, 24_000, cfg)
        opt.zero_grad(); loss.backward(); opt.step()
        if s % every == 0 or s == steps: log.append(dict(step=s, kept=kept(model), loss=round(loss.item(), 4)))
    return log


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--weights', default='shipped', help="'shipped' (the default), a .safetensors or a .ckpt")
    ap.add_argument('--arms', nargs='+', default=['fixed', 'continuous', 'decoder'], choices=['fixed', 'continuous', 'decoder'])
    ap.add_argument('--steps', type=int, default=600)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--sc-weight', type=float, default=5.0)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default=str(RESULTS))
    a = ap.parse_args(argv)
    if a.steps < 1: ap.error(f'--steps must be positive, got {a.steps}')
    if not a.lr > 0: ap.error(f'--lr must be positive, got {a.lr}')
    if not a.sc_weight >= 0: ap.error(f'--sc-weight must be >= 0, got {a.sc_weight}')
    if a.threads < 1: ap.error(f'--threads must be >= 1, got {a.threads}')
    if a.weights != 'shipped' and not Path(a.weights).exists(): ap.error(f'--weights: no file at {a.weights}')
    import torch
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    t0, res = time.time(), {}
    for arm in a.arms:   # a fresh copy of the codec per arm (weight norm rules out deepcopy)
        res[arm] = fit(load_codec_weights(None if a.weights == 'shipped' else a.weights), arm, a.steps, a.lr, a.sc_weight)
    out = dict(weights=a.weights, steps=a.steps, lr=a.lr, sc_weight=a.sc_weight, swept=f'MIDI {SWEPT[0]}-{SWEPT[-1]}',
               fixed_pitches=list(FIXED), arms=res, seconds=round(time.time() - t0, 1))
    steps = [r['step'] for r in next(iter(res.values()))]
    md = ['# Fitting synthetic tones (research/probe_tone_fit.py)', '',
          f"From {'/'.join(Path(a.weights).parts[-3:-1]) if a.weights != 'shipped' else 'the shipped codec'}; batches of 8 x 0.5 s "
          f"tones, AdamW lr {a.lr:g}, spectral convergence weight {a.sc_weight:g}. Semitones MIDI {SWEPT[0]}-{SWEPT[-1]} "
          f"({len(SWEPT)} tones) kept within 50 cents at 8 codebooks:", '',
          '| arm | ' + ' | '.join(f'step {s}' for s in steps) + ' | lost at the end |', '|---' * (len(steps) + 2) + '|']
    for arm, log in res.items():
        md.append(f'| {arm} | ' + ' | '.join(str(len(r['kept'])) for r in log) + ' | ' +
                  (', '.join(str(m) for m in SWEPT if m not in log[-1]['kept']) or 'none') + ' |')
    write_results(a.out, 'probe_tone_fit', out, '\n'.join(md))


if __name__ == '__main__':
    main()
