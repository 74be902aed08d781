"""Has a codec's noise floor risen? Two or more mini codecs side by side on the same held-out notes, whole 4 s notes.

A stand-in for listening when the mel distance gets worse but the pitch gets better: the mel distance weighs every
quiet bin, so a raised floor of hiss or buzz shows up there first. For each note and codec (8 codebooks) it measures

- **floor rise**: in the spectrogram bins where the original is at least 60 dB below the note's loudest bin, the median
  level of the reconstruction minus the original's (dB; 0 = the quiet bins stay as quiet);
- **tail level**: the level of the last 0.5 s (after the release) relative to the loudest 50 ms of the note, for the
  original and each reconstruction (dB; hiss or buzz left in the silence raises it);
- **loud-bin error** and **mid-bin error**: the median |difference| in the bins within 30 dB of the loudest, and in
  those 30-60 dB below it (dB; how the note itself and its softer partials and noise fare).

    python research/probe_noise_floor.py [--n-notes 32] --weights shipped [LABEL=]PATH ... [--out DIR]
"""
import json, sys
from pathlib import Path
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'benchmarks'))   # benchmarks/_common.py (and eval_codec.py)
from _common import write_results
from _probe import codec_probe_parser, probe_codecs
from eval_codec import held_out_notes

RESULTS = Path(__file__).resolve().parent/'results'


def spec_db(x:np.ndarray) -> np.ndarray:
    "Magnitude STFT in dB (n_fft 2048, hop 512, Hann)."
    X = torch.stft(torch.as_tensor(x, dtype=torch.float32), 2048, 512, window=torch.hann_window(2048), return_complex=True)
    return 20*np.log10(X.abs().numpy() + 1e-7)


def frame_db(x:np.ndarray, sr:int, seconds:float) -> np.ndarray:
    "RMS level in dB of consecutive windows of `seconds`."
    n = int(sr*seconds); m = len(x)//n
    return 10*np.log10((x[:m*n].reshape(m, n)**2).mean(1) + 1e-12)


def note_figures(x:np.ndarray, y:np.ndarray, sr:int) -> dict:
    n = min(len(x), len(y)); x, y = x[:n], y[:n]
    X, Y = spec_db(x), spec_db(y)
    quiet, loud = X < X.max() - 60, X > X.max() - 30
    mid = ~quiet & ~loud
    peak = frame_db(x, sr, 0.05).max()
    tail = lambda z: float(10*np.log10((z[-sr//2:]**2).mean() + 1e-12) - peak)
    return dict(floor_rise_db=float(np.median(Y[quiet] - X[quiet])) if quiet.any() else float('nan'),
                loud_err_db=float(np.median(np.abs(Y[loud] - X[loud]))),
                mid_err_db=float(np.median(np.abs(Y[mid] - X[mid]))),
                tail_db=tail(y), tail_db_original=tail(x))


def main():
    a, codecs = probe_codecs(codec_probe_parser(__doc__, 32, RESULTS/'noise_floor'), fuse=False)
    wavs, pitches, source = held_out_notes(a.n_notes, synthetic=False)
    res = dict(data=source, n_q=8, codecs={})
    for w, codec in codecs:
        per = []
        with torch.no_grad():
            for x in wavs:
                x = torch.as_tensor(x, dtype=torch.float32).flatten()
                y = codec.decode(codec.encode(x[None, None]))[0, 0].numpy()
                per.append(note_figures(x.numpy(), y, codec.sample_rate))
        med = lambda k: float(np.nanmedian([p[k] for p in per]))
        res['codecs'][w] = dict(per_note=per, **{f'median_{k}': med(k) for k in per[0]})
    md = [f'# Noise floor of the reconstruction ({source}, 8 codebooks, whole notes)', '',
          '| codec | floor rise (dB, quiet bins) | tail level (dB re peak; original in brackets) | loud-bin error (dB) | mid-bin error (dB) |',
          '|---|---|---|---|---|']
    md += [f"| {w} | {r['median_floor_rise_db']:+.1f} | {r['median_tail_db']:.1f} ({r['median_tail_db_original']:.1f}) | "
           f"{r['median_loud_err_db']:.1f} | {r['median_mid_err_db']:.1f} |" for w, r in res['codecs'].items()]
    md += ['', 'Medians over the notes. Floor rise: the reconstruction minus the original in the bins at least 60 dB below '
           "the note's loudest; tail: the last 0.5 s against the loudest 50 ms; loud and mid bins: within 30 dB of the "
           "loudest, and 30-60 dB below it."]
    write_results(a.out, 'noise_floor', res, '\n'.join(md) + '\n')


if __name__ == '__main__': main()
