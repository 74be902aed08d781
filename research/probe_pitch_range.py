"""Does the pitch measurement itself lose notes? pYIN searches f0 between fmin and fmax; codectok's default range,
50-2000 Hz (`codectok.codec.median_f0`), leaves out the lowest notes of NSynth-mini (MIDI 21-31, 27.5-49 Hz) and the
highest (MIDI 96 and up, above 2 kHz). There pYIN can only report a harmonic or a subharmonic of the note, for the
original and the reconstruction alike, and whether the two guesses agree is luck.

For the same held-out notes as `eval_codec.py --n-notes N` (first 2 s, 8 codebooks), this measures the pitch error
of the reconstruction twice: with the default range and with one that covers every note of the test split
(25-4400 Hz). It reports both by register, the notes whose label lies outside the default range, and what kind of
error each lost note has (whole octaves, an octave and a fifth, anything else). The bar (50 cents on 90 % of the
voiced notes) is not changed by this probe; it only says how much of the gap the measurement range explains.

    python research/probe_pitch_range.py [--n-notes 273] [--weights PATH] [--threads 1] [--out DIR]

Writes DIR/probe_pitch_range.json and .md (default DIR: research/results/pitch_range).
"""
import argparse, json, math, time, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'benchmarks'))   # benchmarks/_common.py (and eval_codec.py)
from _common import by_register, register_table, load_codec_weights, write_results
from eval_codec import held_out_notes

RESULTS = Path(__file__).resolve().parent/'results'/'pitch_range'
DEFAULT_RANGE, WIDE_RANGE = (50.0, 2000.0), (25.0, 4400.0)


def midi_hz(m: float) -> float:
    import librosa
    return float(librosa.midi_to_hz(m))


def error_kind(cents: float) -> str:
    """'kept' (within 50 cents), 'octave' (within 50 cents of a nonzero whole number of octaves), 'twelfth' (of an
    octave and a fifth, 1902 cents, either way: pYIN on the third harmonic), 'unvoiced' (the reconstruction has no
    voiced frame), 'other'; NaN (an unvoiced original) is 'no pitch'."""
    if cents != cents: return 'no pitch'
    if math.isinf(cents): return 'unvoiced'
    if abs(cents) < 50: return 'kept'
    if abs(cents - 1200 * round(cents / 1200)) < 50: return 'octave'
    if abs(abs(cents) - 1902) < 50: return 'twelfth'
    return 'other'


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n-notes', type=int, default=273)
    ap.add_argument('--weights', default=None, help='mini codec .safetensors or .ckpt (default: the shipped one)')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default=str(RESULTS))
    a = ap.parse_args(argv)
    if a.n_notes < 1: ap.error(f'--n-notes must be positive, got {a.n_notes}')
    if a.threads < 1: ap.error(f'--threads must be >= 1, got {a.threads}')
    import torch
    from codectok.codec import EncodecCodec
    from codectok.codec_metrics import pitch_cents_error
    torch.set_num_threads(a.threads)
    codec = EncodecCodec(load_codec_weights(a.weights), n_q=8)
    wavs, pitches, source = held_out_notes(a.n_notes, False)
    if pitches is None: raise SystemExit('probe_pitch_range needs NSynth-mini (labelled pitches); it was unavailable.')
    t0, n = time.time(), int(2.0 * codec.sample_rate)
    cents = {'default': [], 'wide': []}
    with torch.no_grad():
        for w in wavs:
            x = torch.as_tensor(w, dtype=torch.float32).flatten()[:n][None, None]
            y = codec.decode(codec.encode(x), length=x.shape[-1])
            for name, (lo, hi) in (('default', DEFAULT_RANGE), ('wide', WIDE_RANGE)):
                cents[name].append(pitch_cents_error(x, y, codec.sample_rate, fmin=lo, fmax=hi))
    outside = [i for i, p in enumerate(pitches) if not DEFAULT_RANGE[0] <= midi_hz(p) <= DEFAULT_RANGE[1]]

    def summary(cs):
        voiced = [c for c in cs if c == c]
        kinds = {}
        for k in map(error_kind, cs): kinds[k] = kinds.get(k, 0) + 1
        return dict(voiced=len(voiced), kept=sum(abs(c) < 50 for c in voiced), kinds=kinds, by_register=by_register(cs, pitches),
                    outside_default_range=dict(notes=len(outside), kept=sum(abs(cs[i]) < 50 for i in outside if cs[i] == cs[i])))
    res = dict(data=source, weights=str(a.weights or 'bundled'), n_q=8, seconds_per_note=2.0,
               ranges_hz=dict(default=DEFAULT_RANGE, wide=WIDE_RANGE),
               default=summary(cents['default']), wide=summary(cents['wide']),
               per_note=dict(pitch=pitches, cents_default=[None if c != c else round(c, 1) for c in cents['default']],
                             cents_wide=[None if c != c else round(c, 1) for c in cents['wide']]),
               eval_seconds=round(time.time() - t0, 1))
    md = ['# Pitch preservation under two pYIN search ranges', '',
          f"Data: {source}; first 2 s of each note; 8 codebooks; weights: {res['weights']}. "
          f"{len(outside)} notes have a label outside the default range ({DEFAULT_RANGE[0]:g}-{DEFAULT_RANGE[1]:g} Hz).", '',
          '| pYIN range (Hz) | voiced | within 50 cents | notes outside 50-2000 Hz kept | lost: octaves | lost: twelfth | lost: unvoiced | lost: other |',
          '|---|---|---|---|---|---|---|---|']
    for name, (lo, hi) in (('default', DEFAULT_RANGE), ('wide', WIDE_RANGE)):
        s, k = res[name], res[name]['kinds']
        md.append(f"| {lo:g}-{hi:g} | {s['voiced']} | {s['kept']} ({s['kept'] / max(1, s['voiced']):.1%}) | "
                  f"{s['outside_default_range']['kept']}/{s['outside_default_range']['notes']} | {k.get('octave', 0)} | "
                  f"{k.get('twelfth', 0)} | {k.get('unvoiced', 0)} | {k.get('other', 0)} |")
    md += ['', 'By register (MIDI pitch label of the note):', ''] + register_table(
        {f'pYIN {lo:g}-{hi:g} Hz': res[name]['by_register'] for name, (lo, hi) in (('default', DEFAULT_RANGE), ('wide', WIDE_RANGE))})
    write_results(a.out, 'probe_pitch_range', res, '\n'.join(md))


if __name__ == '__main__':
    main()
