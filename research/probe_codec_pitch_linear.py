"""Do the codec's latents still say which note is playing? A linear probe for pitch on the encoder output and the codes.

    python research/probe_codec_pitch_linear.py                       # the shipped codec (~2 min, 1 thread)
    python research/probe_codec_pitch_linear.py --weights DIR/mini_codec.safetensors --out DIR   # a candidate

For every NSynth-mini note from `--min-pitch` up (default C5; train split to fit, test split to score), the features
are the mean and the standard deviation over time of a sequence taken from 0.5 s to 2.5 s of the note:
- "log-mel": the log-mel spectrum of the audio (128 bands, FFT 2048): what a probe gets from the input itself;
- "latent": the encoder output before quantization;
- "codes": the quantized latent at 8 codebooks, what the decoder (and every model trained on the tokens) sees.
A ridge classifier (standardised features, one-hot MIDI labels, L2 penalty 0.01 per train note) and a
1-nearest-neighbour classifier predict the MIDI pitch of each test note. If the codes still name the note but the
reconstruction has the wrong pitch, the decoder (or its frame-periodic output, see probe_codec_latents.py) is what
loses it; if the latent already cannot name it, the encoder does.
"""
import argparse, time, warnings, sys
from pathlib import Path
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'benchmarks'))   # benchmarks/_common.py (and eval_codec.py)
from _common import REGISTERS, write_results, load_codec_weights

RESULTS = Path(__file__).resolve().parent/'results'

warnings.filterwarnings('ignore')
SPAN = (12_000, 60_000)                 # 0.5 s to 2.5 s at 24 kHz: the held part of a 4 s note


def notes(split:str, min_pitch:int) -> list:
    "(waveform, MIDI pitch) of every note of NSynth-mini's `split` at or above `min_pitch`."
    from codectok.data import NSynthDataset, render_nsynth_mini
    ds = NSynthDataset(render_nsynth_mini(verbose=False), split)
    return [(np.asarray(ds[i]['wav'], np.float32), int(e['pitch'])) for i, e in enumerate(ds.examples) if e['pitch'] >= min_pitch]


def summary(seq) -> np.ndarray:
    "(D, T) sequence -> mean and std over time, (2D,)."
    seq = np.asarray(seq, np.float64)
    return np.concatenate([seq.mean(1), seq.std(1)])


def codec_features(model, data) -> dict:
    "{'latent': (N, 2D), 'codes': (N, 2D)} for the notes in `data`."
    bw = model.cfg.n_q * model.quantizer.get_bandwidth_per_quantizer(model.frame_rate)
    out = {'latent': [], 'codes': []}
    with torch.no_grad():
        for w, _ in data:
            e = model.encoder(torch.from_numpy(w[SPAN[0]:SPAN[1]])[None, None])
            q = model.quantizer(e, model.frame_rate, bw).quantized
            out['latent'].append(summary(e[0])); out['codes'].append(summary(q[0]))
    return {k: np.stack(v) for k, v in out.items()}


def mel_features(data) -> np.ndarray:
    import librosa
    return np.stack([summary(np.log(librosa.feature.melspectrogram(y=w[SPAN[0]:SPAN[1]], sr=24_000, n_fft=2048,
                                                                    n_mels=128) + 1e-5)) for w, _ in data])


def probe(xtr, ytr, xte, yte, lam:float=1.0) -> dict:
    "Ridge and 1-NN pitch classification: per register with test notes, the share named exactly and within a semitone."
    mu, sd = xtr.mean(0), xtr.std(0) + 1e-6
    a, b = (xtr - mu) / sd, (xte - mu) / sd
    classes = np.unique(ytr)
    w = np.linalg.solve(a.T @ a + lam * len(a) / 100 * np.eye(a.shape[1]), a.T @ (ytr[:, None] == classes).astype(float))
    preds = {'ridge': classes[(b @ w).argmax(1)],
             '1-NN': ytr[((b[:, None] - a[None]) ** 2).sum(-1).argmin(1)]}
    res = {}
    for name, p in preds.items():
        for lo, hi, reg in REGISTERS:
            m = (yte >= lo) & (yte <= hi)
            if not m.any(): continue
            res[f'{name} {reg}'] = dict(exact=float((p[m] == yte[m]).mean()), within_1=float((abs(p[m] - yte[m]) <= 1).mean()),
                                        n=int(m.sum()))
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--weights', default=None, help="a mini codec's .safetensors or a run's .ckpt (default: the shipped one)")
    ap.add_argument('--min-pitch', type=int, default=72, help='lowest MIDI pitch probed (default C5)')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default=str(RESULTS))
    a = ap.parse_args(argv)
    if not 21 <= a.min_pitch <= 96: ap.error(f'--min-pitch must be a MIDI pitch from 21 to 96, got {a.min_pitch}')
    if a.weights and not Path(a.weights).exists(): ap.error(f'--weights: no file at {a.weights}')
    if a.weights and Path(a.out).resolve() == RESULTS.resolve():
        ap.error("--weights: give --out too, so a candidate's figures do not replace the shipped codec's")
    torch.set_num_threads(a.threads)
    t0 = time.time()
    model = load_codec_weights(a.weights)
    tr, te = notes('train', a.min_pitch), notes('test', a.min_pitch)
    ytr, yte = np.array([p for _, p in tr]), np.array([p for _, p in te])
    ftr, fte = codec_features(model, tr), codec_features(model, te)
    res = dict(weights=a.weights or 'shipped', n_train=len(tr), n_test=len(te), min_pitch=a.min_pitch,
               probes={'log-mel': probe(mel_features(tr), ytr, mel_features(te), yte),
                       'latent': probe(ftr['latent'], ytr, fte['latent'], yte),
                       'codes': probe(ftr['codes'], ytr, fte['codes'], yte)})
    res['seconds'] = round(time.time() - t0, 1)
    cols = list(res['probes']['log-mel'])
    md = ['# Linear pitch probe on the codec latents (research/probe_codec_pitch_linear.py)', '',
          f"Codec: {res['weights']}. Fitted on {len(tr)} NSynth-mini train notes from MIDI {a.min_pitch} up, scored on "
          f"{len(te)} test notes: share named exactly (within a semitone in brackets).", '',
          '| features | ' + ' | '.join(f"{c} (n={res['probes']['log-mel'][c]['n']})" for c in cols) + ' |',
          '|---' * (len(cols) + 1) + '|']
    for name, r in res['probes'].items():
        md.append(f'| {name} | ' + ' | '.join(f"{r[c]['exact']:.0%} ({r[c]['within_1']:.0%})" for c in cols) + ' |')
    write_results(a.out, 'probe_codec_pitch_linear', res, '\n'.join(md) + '\n')


if __name__ == '__main__':
    main()
