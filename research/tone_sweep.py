"""Which frequencies come out of the mini codec? A steady synthetic tone at every semitone through it, side by side.

    python research/tone_sweep.py                                          # the shipped codec (~1 min, 1 thread)
    python research/tone_sweep.py --weights shipped A/mini_codec.safetensors B/mini_codec.safetensors --out DIR

For each MIDI pitch from --lo to --hi (default C5 to C7, 72-96), a 1 s harmonic tone (4 partials, fixed phases)
goes through each codec twice: encode + decode at 8 codebooks, and the autoencoder alone (encoder -> decoder,
quantizer bypassed). The frequency of the output's strongest FFT peak within a major third of the tone's
fundamental (0.25 s to the end, zero-padded to 0.06 Hz bins) is compared with the input's. A codec whose decoder
only produces a fixed set of frequencies shows up as pitches that land on a neighbour: the error in Hz tells whether
it is one frame-rate band (75 Hz) off. Also reported: the strongest frequency in the encoder latent's motion over
time, next to the tone's distance from the nearest harmonic of the frame rate (|f - 75 k|): a latent that carries
the tone's phase moves at that beat.

This is a cheap map (a minute, no data set), not the pitch bar: the bar is pYIN on held-out NSynth-mini notes
(`eval_codec.py`). Writes DIR/tone_sweep.json and .md (default DIR: research/results/tone_sweep).
"""
import argparse, math, time, sys
from pathlib import Path
import numpy as np
sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'benchmarks'))   # benchmarks/_common.py (and eval_codec.py)
from _common import REGISTERS, load_codec_weights, write_results

RESULTS = Path(__file__).resolve().parent/'results'/'tone_sweep'
SR, SECONDS, SKIP = 24_000, 1.0, 0.25


def peak_hz(w, f0:float, sr:int=SR, skip:float=SKIP, pad:int=16) -> float:
    "Frequency (Hz) of the strongest FFT peak of `w` (1-D) within a major third of f0, after the first `skip` seconds."
    w = np.asarray(w, dtype=np.float64).ravel()[int(skip * sr):]
    if len(w) < 64: raise ValueError(f"need at least 64 samples after the first {skip} s, got {len(w)}.")
    n = pad * sr
    S, f = np.abs(np.fft.rfft(w * np.hanning(len(w)), n=n)), np.fft.rfftfreq(n, 1 / sr)
    band = (f > f0 * 2 ** (-4 / 12)) & (f < f0 * 2 ** (4 / 12))
    return float(f[band][np.argmax(S[band])])


def frame_beat_hz(f:float, frame_rate:float=75.0) -> float:
    "Distance of f from the nearest harmonic of the frame rate: the rate at which a tone's phase drifts frame to frame."
    return abs(f - frame_rate * round(f / frame_rate))


def cents(f:float, ref:float) -> float: return 1200 * math.log2(f / ref)


def latent_beat_hz(z, frame_rate:float=75.0, skip:int=10) -> float:
    "The strongest nonzero frequency of a latent sequence z (C, T) over time, summed over channels."
    z = np.asarray(z, dtype=np.float64)[:, skip:-skip]
    if z.shape[1] < 8: raise ValueError(f"need at least 8 frames after trimming, got {z.shape[1]}.")
    E = np.abs(np.fft.rfft(z - z.mean(1, keepdims=True), n=8 * z.shape[1], axis=1)).sum(0)
    f = np.fft.rfftfreq(8 * z.shape[1], 1 / frame_rate)
    return float(f[1:][np.argmax(E[1:])])


def sweep(paths:dict, midis:list) -> list:
    """[{midi, hz, frame_beat_hz, out_hz, ae_hz, latent_beat_hz}] for each MIDI pitch, through `paths`:
    {'codec': audio (1, 1, S) -> audio (1, 1, S) at 8 codebooks, 'autoencoder': the same without the quantizer,
     'latent': audio -> encoder output (C, T)}."""
    import torch
    from codectok.codec_metrics import harmonic_note, midi_to_hz
    rows = []
    with torch.no_grad():
        for m in midis:
            f0 = float(midi_to_hz(m))
            x = harmonic_note(m, SECONDS, SR, n_harmonics=4, amp=0.5, seed=0,
                              env=dict(attack=0.01, decay=0.01, sustain=1.0, release=0.01))[None, None]
            r = dict(midi=m, hz=round(f0, 2), frame_beat_hz=round(frame_beat_hz(f0), 2))
            for key, name in (('out_hz', 'codec'), ('ae_hz', 'autoencoder')):
                r[key] = round(peak_hz(paths[name](x).flatten().numpy(), f0), 2)
            r['latent_beat_hz'] = round(latent_beat_hz(paths['latent'](x)), 2)
            rows.append(r)
    return rows


def codec_paths(model) -> dict:
    "The three `sweep` paths of a mini codec (an `encodec` EncodecModel), 8 codebooks."
    from codectok.codec import EncodecCodec
    codec = EncodecCodec(model, n_q=8)
    return {'codec': lambda x: codec.decode(codec.encode(x), length=x.shape[-1]),
            'autoencoder': lambda x: model.decoder(model.encoder(x))[..., :x.shape[-1]],
            'latent': lambda x: model.encoder(x)[0]}


def summary(rows:list) -> dict:
    """Tones kept within 50 cents (codec and autoencoder), by register, and two kinds of miss: output on a harmonic of the
    frame rate (|f - 75 k| < 2 Hz: the decoder repeats one frame) and output one 75 Hz band off with the tone's own beat
    (the phase drift survives, the decoder picks the wrong harmonic of 75 Hz)."""
    def kept(key, rs): return sum(abs(cents(r[key], r['hz'])) < 50 for r in rs)
    regs = {name: [r for r in rows if lo <= r['midi'] <= hi] for lo, hi, name in REGISTERS}
    miss = [r for r in rows if abs(cents(r['out_hz'], r['hz'])) >= 50]
    return dict(tones=len(rows), codec_kept=kept('out_hz', rows), autoencoder_kept=kept('ae_hz', rows),
                by_register={k: f"{kept('out_hz', rs)}/{len(rs)}" for k, rs in regs.items() if rs},
                misses=len(miss), misses_on_frame_harmonic=sum(frame_beat_hz(r['out_hz']) < 2 for r in miss),
                misses_one_band_off=sum(abs(abs(r['out_hz'] - r['hz']) - 75) < 2 for r in miss))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--weights', nargs='+', default=['shipped'], help="mini codecs: 'shipped', .safetensors or .ckpt")
    ap.add_argument('--lo', type=int, default=72); ap.add_argument('--hi', type=int, default=96)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default=str(RESULTS))
    a = ap.parse_args(argv)
    if not 0 <= a.lo <= a.hi <= 127: ap.error(f'need 0 <= --lo <= --hi <= 127, got {a.lo} and {a.hi}')
    if a.hi > 103: ap.error(f'--hi {a.hi}: tones above MIDI 103 (3.1 kHz) lose their partials to the Nyquist cut')
    if a.threads < 1: ap.error(f'--threads must be >= 1, got {a.threads}')
    for w in a.weights:
        if w != 'shipped' and not Path(w).exists(): ap.error(f'--weights: no file at {w}')
    import torch
    torch.set_num_threads(a.threads)
    t0, midis, res = time.time(), list(range(a.lo, a.hi + 1)), {}
    for w in a.weights:
        model = load_codec_weights(None if w == 'shipped' else w).eval()
        rows = sweep(codec_paths(model), midis)
        res[w] = dict(summary=summary(rows), rows=rows)
    out = dict(tones=f'MIDI {a.lo}-{a.hi}, 1 s, 4 partials, 8 codebooks', sweep_seconds=round(time.time() - t0, 1),
               codecs=res)
    names = list(res)
    md = ['# Steady tones through the mini codec (research/tone_sweep.py)', '',
          f"One 1 s harmonic tone per semitone, MIDI {a.lo}-{a.hi}; output pitch = strongest FFT peak near the fundamental; "
          "8 codebooks, and the autoencoder with the quantizer bypassed (AE).", '',
          '| codec | tones kept (codec / AE) | ' + ' | '.join(next(iter(res.values()))['summary']['by_register']) +
          ' | misses: on a 75 Hz harmonic / one band off / other |',
          '|---' * (3 + len(next(iter(res.values()))['summary']['by_register'])) + '|']
    for w in names:
        s = res[w]['summary']
        md.append(f"| {w} | {s['codec_kept']}/{s['tones']} / {s['autoencoder_kept']}/{s['tones']} | " +
                  ' | '.join(s['by_register'].values()) +
                  f" | {s['misses_on_frame_harmonic']} / {s['misses_one_band_off']} / "
                  f"{s['misses'] - s['misses_on_frame_harmonic'] - s['misses_one_band_off']} |")
    md += ['', 'Cents error at 8 codebooks (AE in brackets) and the latent\'s beat (Hz; the tone\'s |f - 75 k| in the header):', '',
           '| MIDI | Hz | beat | ' + ' | '.join(names) + ' |', '|---' * (3 + len(names)) + '|']
    for i, m in enumerate(midis):
        r0 = res[names[0]]['rows'][i]
        cells = [f"{cents(res[w]['rows'][i]['out_hz'], r0['hz']):+.0f} ({cents(res[w]['rows'][i]['ae_hz'], r0['hz']):+.0f}), "
                 f"beat {res[w]['rows'][i]['latent_beat_hz']:.1f}" for w in names]
        md.append(f"| {m} | {r0['hz']:.1f} | {r0['frame_beat_hz']:.1f} | " + ' | '.join(cells) + ' |')
    write_results(a.out, 'tone_sweep', out, '\n'.join(md))


if __name__ == '__main__':
    main()
