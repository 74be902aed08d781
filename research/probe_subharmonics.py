"""Does the codec add a subharmonic? The half-harmonic series of held-out notes, original against reconstruction.

Of the 23 notes the stage-7 codec loses inside pYIN's range, the largest group, 8, comes back exactly an octave low
(`research/results/full_test_split/stage8/README.md`). An octave-low pYIN reading of a note that sounds at
f0 means the reconstruction repeats every two periods rather than every one: its spectrum has partials at the
half-harmonics f0/2, 3f0/2, 5f0/2, ... that the original does not have. This probe measures that directly. For each
note and codec it takes the spectrum of the held part (0.25-1.75 s, one Hann window), sums the power of the strongest
bin near each harmonic k f0 and each half-harmonic (k - 1/2) f0 (k = 1..8, within f0/10 of the centre; f0 from the
note's MIDI label) and reports their ratio in dB, the **half-harmonic ratio**: about -60 dB or lower for a clean
periodic note, 0 dB when the two series are equally loud. The same ratio a quarter of a harmonic off, (k - 1/4) f0,
is the control: a noise floor between the partials raises both, a subharmonic only the first.

It joins that with pitch preservation (8 codebooks, first 2 s, pYIN 50-2000 Hz as in `eval_codec.py`): the kept or
lost flags come from an `eval_codec.json` beside the weights when it covers the same notes, else from pYIN here, and
the lost notes are sorted into octave low, octave high and other.

    python research/probe_subharmonics.py [--n-notes 273] --weights [LABEL=]PATH ... [--threads 1] [--out DIR]

Writes DIR/probe_subharmonics.json and .md (default DIR: research/results/subharmonics).
"""
import json, math, sys
from pathlib import Path
import numpy as np, torch
sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'benchmarks'))   # benchmarks/_common.py (and eval_codec.py)
from _common import REGISTERS, write_results
from _probe import codec_probe_parser, probe_codecs
from eval_codec import held_out_notes

RESULTS = Path(__file__).resolve().parent/'results'

N_PARTIALS, T0, T1, FLOOR_DB = 8, 0.25, 1.75, -120.0
RAISED_DB = 10.0       # a reconstruction "adds a subharmonic" when its ratio is this much above the original's


def half_harmonic_ratio(x:np.ndarray, f0:float, sr:int, n:int=N_PARTIALS, t0:float=T0, t1:float=T1,
                        offset:float=0.5) -> float:
    """Power on the half-harmonics (k - offset) f0 over power on the harmonics k f0 (k = 1..n below Nyquist) of
    x[t0:t1], in dB. `offset` 0.25 gives the control: the floor between the partials where no subharmonic falls."""
    if not f0 > 0: raise ValueError(f"f0 must be a positive frequency in Hz, got {f0!r}")
    seg = np.asarray(x, dtype=np.float64).ravel()[int(t0 * sr):int(t1 * sr)]
    if len(seg) < sr // 20: raise ValueError(f"need at least 50 ms of audio between {t0} s and {t1} s, got {len(seg)} samples")
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg)))) ** 2
    freqs = np.fft.rfftfreq(len(seg), 1 / sr)
    if not 0 < offset < 1: raise ValueError(f"offset must lie strictly between 0 and 1 (a fraction of f0), got {offset!r}")
    def peak(centre):
        band = spec[np.abs(freqs - centre) <= f0 / 10]
        return band.max() if band.size else 0.0
    ks = [k for k in range(1, n + 1) if k * f0 + f0 / 10 < sr / 2]
    harm, half = sum(peak(k * f0) for k in ks), sum(peak((k - offset) * f0) for k in ks)
    if harm <= 0: return FLOOR_DB
    return float(max(FLOOR_DB, 10 * math.log10(half / harm + 1e-30)))


def lost_kind(cents:float) -> str:
    "'kept', 'octave low', 'octave high', 'unvoiced' or 'other' for a reconstruction's pitch error in cents (not NaN)."
    if cents != cents: raise ValueError("lost_kind needs a voiced original (cents is NaN)")
    if math.isinf(cents): return 'unvoiced'
    if abs(cents) < 50: return 'kept'
    if abs(cents + 1200) < 50: return 'octave low'
    if abs(cents - 1200) < 50: return 'octave high'
    return 'other'


def _eval_beside(path:str, pitches:list):
    "kept flags of an eval_codec.json next to the weights, if it covers exactly these notes."
    f = Path(path).parent/'eval_codec.json'
    if not f.exists(): return None
    pn = json.loads(f.read_text()).get('per_note') or {}
    return pn.get('kept') if pn.get('pitch') == pitches else None


def main():
    ap = codec_probe_parser(__doc__.split('\n')[0], 273, RESULTS/'subharmonics')
    a, codecs = probe_codecs(ap)
    import librosa
    from codectok.codec_metrics import pitch_cents_error
    wavs, pitches, source = held_out_notes(a.n_notes, synthetic=False)
    if pitches is None: raise SystemExit("probe_subharmonics needs NSynth-mini's labelled test notes (render it first).")
    sr = codecs[0][1].sample_rate
    n = 2 * sr
    xs = [torch.as_tensor(w, dtype=torch.float32).flatten()[:n] for w in wavs]
    f0s = [float(librosa.midi_to_hz(p)) for p in pitches]
    orig = [half_harmonic_ratio(x.numpy(), f, sr) for x, f in zip(xs, f0s)]
    orig_q = [half_harmonic_ratio(x.numpy(), f, sr, offset=0.25) for x, f in zip(xs, f0s)]
    res = dict(data=source, seconds=[T0, T1], partials=N_PARTIALS, raised_db=RAISED_DB, pitch=pitches, original=orig, original_control=orig_q, codecs={})
    weights = dict(w.split('=', 1) if '=' in w else (w, w) for w in a.weights)
    for label, codec in codecs:
        with torch.no_grad():
            ys = [codec.decode(codec.encode(x[None, None]), length=n)[0, 0] for x in xs]
        rec = [half_harmonic_ratio(y.numpy(), f, sr) for y, f in zip(ys, f0s)]
        rec_q = [half_harmonic_ratio(y.numpy(), f, sr, offset=0.25) for y, f in zip(ys, f0s)]
        kept = _eval_beside(weights[label], pitches) if weights[label] != 'shipped' else None
        kinds = []
        for i, (x, y) in enumerate(zip(xs, ys)):
            if kept is not None and kept[i] is None: kinds.append('no pitch'); continue
            if kept is not None and kept[i]: kinds.append('kept'); continue
            c = pitch_cents_error(x, y, sr)
            kinds.append('no pitch' if c != c else lost_kind(c))
        res['codecs'][label] = dict(reconstruction=rec, control=rec_q, kind=kinds, kept_from='eval_codec.json' if kept is not None else 'pYIN')
        print(label, {k: kinds.count(k) for k in set(kinds)}, flush=True)

    md = ['# Half-harmonic ratio: does the codec add a subharmonic?', '',
          f"Data: {source}; held part {T0}-{T1} s of each note; harmonics and half-harmonics k = 1..{N_PARTIALS} of the "
          "labelled pitch. Ratio = power on (k - 1/2) f0 over power on k f0, dB (median per register).", '']
    head = '| source | ' + ' | '.join(f"{name} (MIDI {lo}-{hi})" for lo, hi, name in REGISTERS) + ' | all |'
    md += [head, '|---' * (len(REGISTERS) + 2) + '|']
    def row(name, vals):
        cells = [np.median([v for v, p in zip(vals, pitches) if lo <= p <= hi] or [np.nan]) for lo, hi, _ in REGISTERS]
        return f"| {name} | " + ' | '.join(f"{c:.0f}" for c in cells + [np.median(vals)]) + ' |'
    md.append(row('original', orig))
    md += [row(label, r['reconstruction']) for label, r in res['codecs'].items()]
    md += ['', "Control: the same ratio a quarter of a harmonic off ((k - 1/4) f0), where a period-doubled note has no "
           "partial: a codec that only raises its noise floor between the partials raises both rows alike.", '',
           head, '|---' * (len(REGISTERS) + 2) + '|', row('original', orig_q)]
    md += [row(label, r['control']) for label, r in res['codecs'].items()]
    md += ['', f"Notes whose reconstruction's ratio is at least {RAISED_DB:g} dB above the original's (\"raised\"), and "
           "what happens to their pitch (8 codebooks, pYIN 50-2000 Hz):", '',
           '| codec | raised | kept: raised / not | octave low: raised / not | octave high: raised / not | other or unvoiced: raised / not |',
           '|---|---|---|---|---|---|']
    for label, r in res['codecs'].items():
        raised = [y - o >= RAISED_DB for y, o in zip(r['reconstruction'], orig)]
        def split(kinds):
            ks = [(k in kinds, up) for k, up in zip(r['kind'], raised)]
            return f"{sum(m and u for m, u in ks)} / {sum(m and not u for m, u in ks)}"
        r['raised'] = raised
        md.append(f"| {label} | {sum(raised)} | {split({'kept'})} | {split({'octave low'})} | {split({'octave high'})} | "
                  f"{split({'other', 'unvoiced'})} |")
    write_results(a.out, 'probe_subharmonics', res, '\n'.join(md) + '\n')


if __name__ == '__main__':
    main()
