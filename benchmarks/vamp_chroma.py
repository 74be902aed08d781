#!/usr/bin/env python
"""Does the periodic P = 16 vamp of a phrase keep its notes? Chroma of the vamp vs the original (issue 35).

For each NSynth-mini test phrase (rendered, encoded with the bundled mini codec): keep every 16th frame (all 8
codebooks: 0.375 kbps of prompt), regenerate the rest with the bundled MaskGIT pair (`vamp_windows`, 24 passes, seed =
phrase index), and compare its chroma with the original's. The baseline is VampNet's noisy tokens: the same share of
tokens, at random places, replaced by random codes (`noisy_tokens`). The ceiling is the codec's own reconstruction.

Chroma: librosa's `chroma_stft` (12 pitch classes, 2048-sample frames, hop 512), frame-wise Pearson correlation with
the original's chroma, averaged over the frames where the original sounds (RMS within 40 dB of its loudest frame),
then over phrases. Also the multi-scale mel distance to the original.

    python benchmarks/vamp_chroma.py [--n 0 (all)] [--steps 24]
Writes benchmarks/results/vamp_chroma.{json,md}.
"""
import argparse, json, sys, time, warnings
from pathlib import Path
import numpy as np
import torch

warnings.filterwarnings('ignore')
from codectok.core import weights_dir, atomic_write
from _common import write_results
from codectok.codec import get_codec
from codectok.codec_metrics import multiscale_mel_distance
from codectok.data import render_nsynth_mini, PhraseDataset
from codectok.bundled import bundled_maskgit, vamp_windows, vamp_mask
from codectok.vamp_eval import noisy_tokens, chroma_correlation

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=0, help='phrases (0: the whole test split)')
    ap.add_argument('--period', type=int, default=16)
    ap.add_argument('--steps', type=int, default=24)
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'))
    a = ap.parse_args()
    torch.set_num_threads(1)
    codec, (coarse, c2f) = get_codec('mini', n_q=8), bundled_maskgit()
    ds = PhraseDataset(render_nsynth_mini(verbose=False), 'test')
    idx = range(len(ds)) if not a.n else range(min(a.n, len(ds)))
    sr, N, rows, t0 = codec.sample_rate, codec.codebook_size, [], time.time()
    for i in idx:
        wav = ds[i]['wav'].float()
        with torch.no_grad():
            codes = codec.encode(wav[None, None])
            mask = vamp_mask(codes, codec.frame_rate, periodic=a.period)
            outs = dict(codec=codes, vamp=vamp_windows(coarse, c2f, codes, mask, steps=a.steps, seed=i, progress=False),
                        noisy=noisy_tokens(codes, mask.float().mean().item(), N, seed=i))
            wavs = {k: codec.decode(c)[0, 0, :len(wav)].numpy() for k, c in outs.items()}
        ref = wav.numpy()
        r = dict(index=i, seconds=round(len(ref) / sr, 2))
        for k, y in wavs.items():
            r[f'chroma_{k}'] = chroma_correlation(ref, y, sr)
            r[f'mel_{k}'] = float(multiscale_mel_distance(torch.as_tensor(ref)[None], torch.as_tensor(y)[None], sr))
        rows.append(r)
        print(f"{i}: chroma codec {r['chroma_codec']:.2f} vamp {r['chroma_vamp']:.2f} noisy {r['chroma_noisy']:.2f}  "
              f"({time.time() - t0:.0f} s)", flush=True)
    mean = lambda k: float(np.nanmean([r[k] for r in rows]))
    summ = {k: mean(k) for k in rows[0] if k.startswith(('chroma_', 'mel_'))}
    summ['vamp_beats_noisy_chroma'] = float(np.mean([r['chroma_vamp'] > r['chroma_noisy'] for r in rows]))
    res = dict(n_phrases=len(rows), period=a.period, steps=a.steps, kept_kbps=round(8 * np.log2(N) * codec.frame_rate / a.period / 1000, 3),
               maskgit_card=json.loads((weights_dir()/'maskgit.card.json').read_text()).get('steps'), summary=summ, phrases=rows)
    lines = [f"# Periodic P = {a.period} vamp of NSynth-mini test phrases: does it keep the notes?", "",
             f"{len(rows)} phrases, {a.steps} passes, prompt {res['kept_kbps']} kbps; script: benchmarks/vamp_chroma.py.", "",
             "| tokens decoded | chroma correlation with the original | multi-scale mel distance |", "|---|---|---|",
             f"| codec reconstruction (ceiling) | {summ['chroma_codec']:.3f} | {summ['mel_codec']:.3f} |",
             f"| MaskGIT vamp, every {a.period}th frame kept | {summ['chroma_vamp']:.3f} | {summ['mel_vamp']:.3f} |",
             f"| noisy tokens, same share replaced | {summ['chroma_noisy']:.3f} | {summ['mel_noisy']:.3f} |", "",
             f"The vamp's chroma is closer than the noisy tokens' on {summ['vamp_beats_noisy_chroma']:.0%} of the phrases."]
    write_results(a.out, 'vamp_chroma', res, '\n'.join(lines) + '\n')
    pub = {k: v for k, v in res.items() if k != 'phrases'}            # the figures chapter 10 shows
    atomic_write(Path(__file__).resolve().parent.parent/'codectok'/'results'/'vamp_chroma.json',
                 lambda t: Path(t).write_text(json.dumps(pub, indent=1) + '\n'))


if __name__ == '__main__':
    main()
