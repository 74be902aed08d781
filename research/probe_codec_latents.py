"""Why the shipped mini codec loses notes above ~C5, and whether a new decoder alone could fix it.

    python research/probe_codec_latents.py                    # latent analysis only (~30 s)
    python research/probe_codec_latents.py --finetune-steps 1000   # + decoder-only fine-tuning (~6 min, 1 thread)
    python research/probe_codec_latents.py --full-finetune-steps 1000 [--gan] [--lr 5e-4]   # + whole-codec fine-tuning
    python research/probe_codec_latents.py --weights DIR/mini_codec.safetensors --out DIR   # a candidate's latents

1. Latents. For steady harmonic notes from A3 to A6, the encoder's latent (64 values per 75 Hz frame) and the codes:
   how much the latent moves over time (std over frames, mean over dimensions), how often each codebook's code changes
   from one frame to the next, the distance of the mean latent to that of silence, and the reconstruction's level and
   pitch error. A steady tone whose latent does not move over time can only be decoded as a signal that repeats every
   frame (320 samples): a time-invariant decoder fed the same frame again and again produces harmonics of 75 Hz.
   To carry an arbitrary pitch, the latent must encode the waveform's phase, which changes from frame to frame.
2. Decoder-only fine-tuning (`--finetune-steps`): encoder and quantizer frozen (so every token, and every model trained
   on the tokens, stays valid), the decoder trained on NSynth-mini crops with chapter 05's mel loss (no waveform L1,
   which punishes a right pitch at the wrong phase), quantizer dropout 0.5, AdamW lr 1e-3 cosine. Reports the loss and
   pitch within 50 cents on 32 valid notes by register, every `--eval-every` steps.
3. Whole-codec fine-tuning (`--full-finetune-steps`, new tokens: every downstream model would need retraining): the
   shipped codec continues (AdamW, peak `--lr`, 100 warmup steps, cosine) with encoder, decoder and EMA codebooks all
   training, chapter 05's loss (mel + 0.1 waveform L1 + commitment), and with `--gan` also EnCodec's MS-STFT
   discriminator (hinge + 3 x feature matching, as `TrainConfig(discriminator=True)`). Reports pitch by register and
   the latent motion of the high steady notes, so a run with and one without the discriminator separate its effect
   from that of more encoder steps.

Writes research/results/probe_codec_latents.json and .md.
"""
import argparse, json, math, random, time, warnings, sys
from pathlib import Path
import numpy as np
import torch

warnings.filterwarnings('ignore')
sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'benchmarks'))   # benchmarks/_common.py (and eval_codec.py)
from _common import write_results, by_register, register_table, load_codec_weights
from codectok.codec import load_mini_codec, EncodecCodec
from codectok.codec_metrics import harmonic_note, pitch_cents_error, midi_to_hz
from codectok.codec_train import mel_loss, codec_loss, disc_loss
from codectok.codec_data import CropDataset
from codectok.codec_eval import steady_note, latent_motion

RESULTS = Path(__file__).resolve().parent/'results'


def latents(codec, midis) -> list:
    "Per steady note: chapter 05's `latent_motion`, plus the mean latent's distance to silence's and the pitch error."
    sil = latent_motion(codec, (1e-4 * torch.randn(24_000))[None, None])['mean']
    rows = []
    for midi in midis:
        x = steady_note(midi); r = latent_motion(codec, x)
        rows.append(dict(midi=midi, hz=round(midi_to_hz(midi), 1), latent_std_over_time=r['moves'],
                         dist_to_silence=(r['mean'] - sil).norm().item(), code_change_rate=r['changes'],
                         level=r['level'], cents=pitch_cents_error(x, r['recon'], 24_000)))
    return rows


def _data(seed):
    from codectok.data import render_nsynth_mini, NSynthDataset, PhraseDataset
    torch.manual_seed(seed); random.seed(seed)
    root = render_nsynth_mini(verbose=False)
    tr, va = NSynthDataset(root, 'train'), NSynthDataset(root, 'valid')
    wavs = [tr[i]['wav'] for i in range(len(tr))] + [p['wav'] for p in PhraseDataset(root, 'train')]
    return wavs, [va[i] for i in range(0, len(va), max(1, len(va) // 32))][:32]


def _pitch_row(m, vitems, step, loss) -> dict:
    "Pitch within 50 cents of the 8-codebook reconstruction on the valid notes, overall and by register."
    was = m.training; m.eval(); c = EncodecCodec(m); res = []
    for d in vitems:
        x = torch.as_tensor(d['wav'][:48_000])[None, None]
        res.append((int(d['pitch']), pitch_cents_error(x, c.decode(c.encode(x), length=x.shape[-1]), 24_000)))
    m.train(was)
    v = [e for _, e in res if e == e]                                              # NaN: unvoiced original
    return dict(step=step, loss=loss, within_50=[sum(abs(e) < 50 for e in v), len(v)],
                by_register=by_register([e for _, e in res], [p for p, _ in res]))


def full_finetune(steps: int, eval_every: int, gan: bool, seed: int = 0, lr: float = 5e-4) -> list:
    "Whole-codec fine-tuning of the shipped codec (see the module docstring, part 3)."
    from codectok.codec_train import TrainConfig
    wavs, vitems = _data(seed)
    m, cfg = load_mini_codec(), TrainConfig()
    m.train()
    opt = torch.optim.AdamW(m.parameters(), lr=lr, betas=cfg.betas, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / 100) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * s / steps))))
    disc = opt_d = None
    if gan:
        from encodec.msstftd import MultiScaleSTFTDiscriminator
        disc = MultiScaleSTFTDiscriminator(filters=16)
        opt_d = torch.optim.AdamW(disc.parameters(), lr=lr, betas=cfg.betas, weight_decay=cfg.weight_decay)
    ds = CropDataset(wavs, crop=4800, n_items=steps * 32, seed=seed)

    def high_motion():
        c = EncodecCodec(m.eval()); out = {midi: round(latent_motion(c, steady_note(midi))['moves'], 3) for midi in (72, 81, 88)}
        m.train(); return out

    rows, hist, t0 = [_pitch_row(m, vitems, 0, None) | dict(latent_moves=high_motion())], [], time.time()
    print(rows[-1], flush=True)
    for step in range(1, steps + 1):
        x = torch.stack([ds[i] for i in range(32)])
        n_q = random.randint(1, 8) if random.random() < cfg.quantizer_dropout else 8
        y, _, commit = m(x, n_q=n_q)
        loss, parts = codec_loss(x, y, commit, 24_000, cfg, disc)           # chapter 05's training loss
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.parameters(), cfg.grad_clip); opt.step(); sched.step()
        if disc is not None:
            opt_d.zero_grad(); disc_loss(disc, x, y).backward(); opt_d.step()
        hist.append(parts['mel'].item())
        if step % eval_every == 0 or step == steps:
            rows.append(_pitch_row(m, vitems, step, float(np.mean(hist[-eval_every:])))
                        | dict(latent_moves=high_motion(), seconds=round(time.time() - t0)))
            print(rows[-1], flush=True)
    return rows


def finetune(steps: int, eval_every: int, seed: int = 0) -> list:
    wavs, vitems = _data(seed)
    m = load_mini_codec()
    m.encoder.eval(); m.quantizer.eval()                                          # frozen: no EMA updates, no gradients
    for p in list(m.encoder.parameters()) + list(m.quantizer.parameters()): p.requires_grad_(False)
    opt = torch.optim.AdamW(m.decoder.parameters(), lr=1e-3, betas=(0.8, 0.99), weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / 100) * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * s / steps))))
    ds = CropDataset(wavs, crop=4800, n_items=steps * 32, seed=seed)
    bw = m.quantizer.get_bandwidth_per_quantizer(m.frame_rate)

    def evaluate(step, loss):
        row = _pitch_row(m, vitems, step, loss); m.decoder.train(); m.encoder.eval(); m.quantizer.eval()
        print(row, flush=True)
        return row

    rows, hist, t0 = [evaluate(0, None)], [], time.time()
    m.decoder.train()
    for step in range(1, steps + 1):
        x = torch.stack([ds[i] for i in range(32)])
        n_q = random.randint(1, 8) if random.random() < 0.5 else 8
        with torch.no_grad(): q = m.quantizer(m.encoder(x), m.frame_rate, n_q * bw).quantized
        loss = mel_loss(x, m.decoder(q)[..., :x.shape[-1]], 24_000)
        opt.zero_grad(); loss.backward(); torch.nn.utils.clip_grad_norm_(m.decoder.parameters(), 1.0); opt.step(); sched.step()
        hist.append(loss.item())
        if step % eval_every == 0 or step == steps:
            rows.append(evaluate(step, float(np.mean(hist[-eval_every:]))) | dict(seconds=round(time.time() - t0)))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--finetune-steps', type=int, default=0)
    ap.add_argument('--full-finetune-steps', type=int, default=0)
    ap.add_argument('--gan', action='store_true', help='with --full-finetune-steps: add the MS-STFT discriminator')
    ap.add_argument('--lr', type=float, default=5e-4, help='with --full-finetune-steps: peak learning rate')
    ap.add_argument('--eval-every', type=int, default=250)
    ap.add_argument('--weights', default=None, help='analyse this mini codec (.safetensors, or a run\'s .ckpt) instead of the shipped one (part 1 only)')
    ap.add_argument('--out', default=str(RESULTS), help='folder for probe_codec_latents.json / .md')
    ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args()
    if a.weights and (a.finetune_steps or a.full_finetune_steps):
        ap.error('--weights analyses a candidate codec; the fine-tuning parts start from the shipped one')
    if a.weights and Path(a.out).resolve() == RESULTS.resolve():
        ap.error("--weights needs --out DIR: research/results holds the shipped codec's figures")
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    out = Path(a.out)
    codec = EncodecCodec(load_codec_weights(a.weights, fuse=True))
    res = dict(latents=latents(codec, [57, 64, 69, 72, 76, 81, 84, 88, 93]))
    md = ['# Mini codec latents: what the tokens carry (research/probe_codec_latents.py)', '',
          f"Steady 1 s harmonic notes (6 partials) through {'the mini codec ' + Path(a.weights).name + ' in ' + Path(a.weights).parent.name + '/' if a.weights else 'the shipped mini codec'}. "
          '"moves" = std of the encoder latent over',
          'frames (mean over its 64 dimensions); "changes" = share of frame-to-frame code changes in codebooks 1 / 2 / 8.', '',
          '| note | Hz | latent moves | codebook changes (1 / 2 / 8) | distance to silence | output level | pitch error (cents) |',
          '|---|---|---|---|---|---|---|']
    md += [f"| MIDI {r['midi']} | {r['hz']:g} | {r['latent_std_over_time']:.3f} | "
           f"{r['code_change_rate'][0]:.2f} / {r['code_change_rate'][1]:.2f} / {r['code_change_rate'][-1]:.2f} | "
           f"{r['dist_to_silence']:.2f} | {r['level']:.2f} | {r['cents']:.0f} |" for r in res['latents']]
    md += ['', 'Notes whose latent barely moves over time come back at a few per cent of their level. The encoder tells',
           'them apart (distinct mean latents, far from silence) but keeps almost no phase, so a decoder fed these tokens',
           'can only repeat one frame: harmonics of 75 Hz. Decoder-only fine-tuning (--finetune-steps) tests whether a new',
           'decoder can do better with the same tokens.']
    old = out/'probe_codec_latents.json'
    full = ('full_finetune_gan' if a.gan else 'full_finetune') + ('' if a.lr == 5e-4 else f'_lr{a.lr:g}')
    if a.finetune_steps: res['decoder_finetune'] = finetune(a.finetune_steps, a.eval_every)
    if a.full_finetune_steps: res[full] = full_finetune(a.full_finetune_steps, a.eval_every, a.gan, lr=a.lr)
    prev = json.loads(old.read_text()) if old.exists() else {}     # read after the runs: a parallel run may have written
    for k in prev:                                                                # keep the last run of each part
        if k.endswith('finetune') or '_finetune_' in k: res.setdefault(k, prev[k])
    loss = lambda r: '' if r['loss'] is None else f", mel loss {r['loss']:.4f}"
    if 'decoder_finetune' in res:
        n = res['decoder_finetune'][-1]['step']
        md += ['', f"## Decoder-only fine-tuning ({n} steps, encoder and quantizer frozen)", '',
               'Pitch within 50 cents on 32 valid notes, by register (MIDI pitch label):', '']
        md += register_table({f"step {r['step']}{loss(r)}: {r['within_50'][0]}/{r['within_50'][1]} in all": r['by_register']
                              for r in res['decoder_finetune']})
    for k in sorted(k for k in res if k.startswith('full_finetune')):
        n, title = res[k][-1]['step'], 'with' if '_gan' in k else 'without'
        lr = k.split('_lr')[1] if '_lr' in k else '5e-4'
        md += ['', f"## Whole-codec fine-tuning {title} the MS-STFT discriminator ({n} steps from the shipped codec at lr {lr}, new tokens)", '',
               'Pitch within 50 cents on the same 32 valid notes, by register; latent movement of steady C5 / A5 / E6:', '']
        md += register_table({f"step {r['step']}{loss(r)}: {r['within_50'][0]}/{r['within_50'][1]} in all; moves "
                              + ' / '.join(f'{v:.2f}' for v in r['latent_moves'].values()): r['by_register'] for r in res[k]})
    write_results(out, 'probe_codec_latents', res, '\n'.join(md) + '\n')


if __name__ == '__main__':
    main()
