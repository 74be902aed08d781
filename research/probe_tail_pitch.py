"""Where in a note does a codec lose the pitch? pYIN over consecutive segments of whole held-out notes, by level.

A note's median pitch is taken over all its voiced frames, and a decaying note spends most of its 4 s quiet. If the
codec leaves a steady buzz on the 75 Hz frame rate under the note, pYIN follows the note while it is loud and the buzz
once the note has decayed below it, and the median goes with whichever lasts longer. This probe shows that directly:
for each note, codec and 0.5 s segment it compares the pYIN median f0 of the reconstruction (8 codebooks) with the
original's, and sorts the segments where the original is voiced by how far below the note's loudest segment they are:

- **kept**: within 50 cents of the original;
- **frame-rate buzz**: within 35 cents of a multiple of the frame rate (75 Hz .. 450 Hz) while the original is not;
- **octave**: a whole number of octaves off (within 50 cents);
- **other** or **unvoiced**.

It also decodes digital silence (and a -80 dBFS sine) and reports the output level and how much of it lies on the
frame rate's harmonics: a codec whose decoder hums on silence codes shows it there.

    python research/probe_tail_pitch.py [--n-notes 64] --weights shipped [LABEL=]PATH ... [--out DIR]
"""
import math, sys
import numpy as np, torch
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'benchmarks'))   # benchmarks/_common.py (and eval_codec.py)
from _common import write_results
from _probe import codec_probe_parser, probe_codecs
from eval_codec import held_out_notes

RESULTS = Path(__file__).resolve().parent/'results'

SEG_S, FMIN, FMAX, FRAME_RATE = 0.5, 50.0, 2000.0, 75.0
LEVELS = ((0, 20), (20, 40), (40, 60), (60, 200))            # dB below the loudest segment
KINDS = ('kept', 'frame-rate buzz', 'octave', 'other', 'unvoiced')


def segment_f0(x:np.ndarray, sr:int) -> tuple:
    "(median pYIN f0 per SEG_S segment, NaN where no frame is voiced; segment RMS level in dB)."
    import librosa
    f0, voiced, _ = librosa.pyin(x, fmin=FMIN, fmax=FMAX, sr=sr, frame_length=2048, hop_length=512)
    seg_len = int(SEG_S * sr); n = len(x) // seg_len
    seg_of_frame = np.arange(len(f0)) * 512 // seg_len           # the segment each (centred) pYIN frame falls in
    out = []
    for i in range(n):
        f = f0[(seg_of_frame == i) & voiced & np.isfinite(f0)]
        out.append(float(np.median(f)) if len(f) else float('nan'))
    seg = x[: n * seg_len].reshape(n, -1)
    return np.array(out), 10 * np.log10((seg ** 2).mean(1) + 1e-20)


def classify(f_ref:float, f:float, frame_rate:float=FRAME_RATE) -> str:
    "One of KINDS for a reconstruction segment's f0 `f` against the original's `f_ref` (which must be voiced)."
    if not f_ref == f_ref: raise ValueError("classify needs a voiced original segment (f_ref is NaN)")
    if not f == f: return 'unvoiced'
    c = 1200 * math.log2(f / f_ref)
    if abs(c) < 50: return 'kept'
    near_harmonic = lambda g: any(abs(1200 * math.log2(g / (k * frame_rate))) < 35 for k in range(1, 7))
    if near_harmonic(f) and not near_harmonic(f_ref): return 'frame-rate buzz'
    if round(c / 1200) != 0 and abs(c - 1200 * round(c / 1200)) < 50: return 'octave'
    return 'other'


def note_segments(x:np.ndarray, y:np.ndarray, sr:int, ref=None) -> list:
    "[(dB below the loudest segment, kind)] for the segments of the original x that are voiced; ref = segment_f0(x) if known."
    fx, lx = ref if ref is not None else segment_f0(x, sr)
    fy, _ = segment_f0(y[: len(x)], sr)
    return [(float(lx.max() - l), classify(a, b)) for a, b, l in zip(fx, fy, lx) if a == a]


def silence_response(codec, sr:int) -> dict:
    "Output level (dBFS) for 2 s of digital silence and of a -80 dBFS 440 Hz sine, and the share of the silence output's energy within 5 Hz of 75 Hz harmonics."
    t = torch.arange(2 * sr) / sr
    res = {}
    for name, x in (('silence', torch.zeros_like(t)), ('sine_-80dBFS', 1e-4 * math.sqrt(2) * torch.sin(2 * math.pi * 440 * t))):
        with torch.no_grad(): y = codec.decode(codec.encode(x[None, None]), length=len(t))[0, 0].numpy()[sr // 2:]
        res[f'{name}_out_dbfs'] = float(10 * np.log10((y ** 2).mean() + 1e-20))
        if name == 'silence':
            P = np.abs(np.fft.rfft(y)) ** 2; f = np.fft.rfftfreq(len(y), 1 / sr)
            on = np.abs(f - FRAME_RATE * np.round(f / FRAME_RATE)) < 5
            res['silence_share_on_frame_rate_harmonics'] = float(P[on & (f > 1)].sum() / max(P[f > 1].sum(), 1e-30))
    return res


def summarise(segs:list) -> dict:
    "{level band: {kind: count}} plus the totals."
    out = {}
    for lo, hi in LEVELS:
        ks = [k for l, k in segs if lo <= l < hi]
        out[f'{lo}-{hi} dB'] = {k: ks.count(k) for k in KINDS} | {'n': len(ks)}
    out['all'] = {k: sum(1 for _, kk in segs if kk == k) for k in KINDS} | {'n': len(segs)}
    return out


def main():
    a, codecs = probe_codecs(codec_probe_parser(__doc__, 64, RESULTS/'tail_pitch'), fuse=True)
    wavs, pitches, source = held_out_notes(a.n_notes, synthetic=False)
    wavs = [torch.as_tensor(x, dtype=torch.float32).flatten() for x in wavs]
    sr = 24_000
    refs = [segment_f0(x.numpy(), sr) for x in wavs]
    res = dict(data=source, n_q=8, segment_seconds=SEG_S, pyin_hz=[FMIN, FMAX], codecs={})
    for w, codec in codecs:
        segs = []
        with torch.no_grad():
            for x, ref in zip(wavs, refs):
                y = codec.decode(codec.encode(x[None, None]), length=len(x))[0, 0].numpy()
                segs += note_segments(x.numpy(), y, sr, ref)
        res['codecs'][w] = dict(segments=summarise(segs), **silence_response(codec, sr))
    bands = [f'{lo}-{hi} dB' for lo, hi in LEVELS]
    md = [f'# Pitch over the course of a note ({source}, 8 codebooks, {SEG_S:g} s segments where the original is voiced)', '',
          '| codec | ' + ' | '.join(f'{b} below the loudest: kept / buzz' for b in bands) + ' | all: kept / buzz / octave / other / unvoiced | '
          'silence decodes to (dBFS; share on 75 Hz harmonics) | a -80 dBFS sine decodes to (dBFS) |',
          '|---' * (len(bands) + 4) + '|']
    for w, r in res['codecs'].items():
        s = r['segments']
        cell = lambda d: f"{d['kept']}/{d['n']} / {d['frame-rate buzz']}" if d['n'] else '-'
        md.append(f"| {w} | " + ' | '.join(cell(s[b]) for b in bands) + ' | ' + ' / '.join(str(s['all'][k]) for k in KINDS) +
                  f" of {s['all']['n']} | {r['silence_out_dbfs']:.1f} ({r['silence_share_on_frame_rate_harmonics']:.0%}) | "
                  f"{r['sine_-80dBFS_out_dbfs']:.1f} |")
    md += ['', "kept: within 50 cents of the original's segment; buzz: on a harmonic of the 75 Hz frame rate (up to 450 Hz) "
           "where the original is not. Levels are segment RMS against the note's loudest segment."]
    write_results(a.out, 'tail_pitch', res, '\n'.join(md) + '\n')


if __name__ == '__main__': main()
