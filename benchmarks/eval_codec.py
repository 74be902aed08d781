"""Evaluate the bundled mini codec (chapter 05) on held-out notes.

Loads codectok/weights/mini_codec.safetensors (or --weights), takes held-out notes from NSynth-mini's test split
(codectok.data, rendered on first use into the codectok cache) or, when that is unavailable or --synthetic is given,
synthetic harmonic notes, and reports per n_q in {1, 2, 4, 8}: multi-scale mel distance and SI-SDR, plus the
pitch-preservation rate (share of voiced notes whose 8-codebook reconstruction keeps its pYIN median pitch within
50 cents), overall and by register (the notes' MIDI pitch labels). The register table has a second row, the same
notes through the codec's encoder and decoder with the quantizer bypassed (`MiniCodec(x, quantize=False)`): where it
loses a note as well, the quantizer is not to blame. Writes benchmarks/results/eval_codec.json and .md.

    python benchmarks/eval_codec.py [--n-notes 64] [--seconds 2] [--weights PATH] [--synthetic] [--out DIR]

--weights takes a saved mini codec (.safetensors) or a training run's Lightning checkpoint (RUN/ckpt/last.ckpt).
--out writes the two files elsewhere (say, for a candidate codec that does not ship).
"""
import argparse, json, os, time, warnings
from pathlib import Path
from _common import by_register, register_table, load_codec_weights, add_silence_gate_flag, gate_decoder_

RESULTS = Path(__file__).resolve().parent/'results'


def held_out_notes(n: int, synthetic: bool):
    from codectok.codec_data import synthetic_notes
    if not synthetic:
        try:
            from codectok.data import render_nsynth_mini, NSynthDataset
            ds = NSynthDataset(render_nsynth_mini(verbose=True), 'test')
            step = max(1, len(ds) // n)                      # spread over instruments and pitches
            items = [ds[i] for i in range(0, len(ds), step)][:n]
            return [d['wav'] for d in items], [int(d['pitch']) for d in items], f"NSynth-mini test split ({len(items)} of {len(ds)} notes)"
        except Exception as e:                                # noqa: BLE001 - fall back, but say why
            warnings.warn(f"NSynth-mini unavailable ({e!r}); using synthetic notes.")
    return synthetic_notes(n, 2.0, seed=2), None, f"synthetic harmonic notes ({n}, seed 2)"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n-notes', type=int, default=64)
    ap.add_argument('--seconds', type=float, default=2.0, help='evaluate the first SECONDS of each note')
    ap.add_argument('--weights', type=str, default=None, help='mini codec .safetensors or fit_codec .ckpt (default: shipped)')
    ap.add_argument('--synthetic', action='store_true')
    ap.add_argument('--out', type=str, default=str(RESULTS), help='folder for eval_codec.json / .md')
    ap.add_argument('--threads', type=int, default=min(4, os.cpu_count() or 1), help='torch CPU threads (default: up to 4)')
    add_silence_gate_flag(ap)
    a = ap.parse_args()
    if a.threads < 1: ap.error(f"--threads must be >= 1, got {a.threads}")
    import torch
    torch.set_num_threads(a.threads)
    from codectok.codec import EncodecCodec
    from codectok.codec_metrics import pitch_cents_error, silence_gate
    from codectok.codec_eval import evaluate_codec
    from codectok.core import atomic_write
    codec = EncodecCodec(load_codec_weights(a.weights), n_q=8)
    gate_decoder_(codec, a.silence_gate)
    wavs, pitches, source = held_out_notes(a.n_notes, a.synthetic)
    t0 = time.time()
    ev = evaluate_codec(codec, wavs, codec.sample_rate, max_seconds=a.seconds, per_item=True)
    cents = ev.pop('pitch_cents')
    if pitches:
        ev['pitch_by_register'] = by_register(cents, pitches)
        # per note, for paired comparisons of two codecs on the same notes (research/compare_codecs.py)
        ev['per_note'] = dict(pitch=pitches, kept=[None if c != c else bool(abs(c) < 50) for c in cents])
        # the encoder and decoder alone, no quantizer: same notes, same first seconds
        n = int(a.seconds * codec.sample_rate)
        unq = (lambda y: y) if a.silence_gate is None else (lambda y: silence_gate(y, a.silence_gate))
        with torch.no_grad():
            ae = [pitch_cents_error(x, unq(codec.model(x, quantize=False)[0]), codec.sample_rate) for x in
                  (torch.as_tensor(w, dtype=torch.float32).flatten()[:n][None, None] for w in wavs)]
        ev['pitch_by_register_unquantized'] = by_register(ae, pitches)
    ev |= dict(data=source, weights=str(a.weights or 'bundled'), silence_gate_db=a.silence_gate, seconds_per_note=a.seconds, eval_seconds=round(time.time() - t0, 1))
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    atomic_write(out/'eval_codec.json', lambda t: Path(t).write_text(json.dumps(ev, indent=1)))
    md = ['# Mini codec: reconstruction quality on held-out notes', '', f"Data: {source}; first {a.seconds:g} s of each note" +
          ('.' if a.silence_gate is None else f"; decoded audio through `silence_gate` at {a.silence_gate:g} dBFS."), '',
          '| n_q | bitrate (bps) | mel distance ↓ | SI-SDR (dB) ↑ |', '|---|---|---|---|']
    md += [f"| {k} | {ev['bitrate_bps'][k]:.0f} | {ev['mel_distance'][k]:.3f} | {ev['si_sdr_db'][k]:.1f} |" for k in ev['n_q']]
    md += ['', f"Pitch preserved within 50 cents at n_q = {max(ev['n_q'])}: {ev['pitch_within_50_cents']:.1%} of "
           f"{ev['n_voiced']} voiced notes (median |error| {ev['median_abs_cents']:.1f} cents)."]
    if pitches:
        md += ['', 'By register (MIDI pitch label of the note):', ''] + register_table(
            {'reconstruction, 8 codebooks': ev['pitch_by_register'],
             'encoder → decoder, no quantizer': ev['pitch_by_register_unquantized']})
    atomic_write(out/'eval_codec.md', lambda t: Path(t).write_text('\n'.join(md) + '\n'))
    print('\n'.join(md))


if __name__ == '__main__':
    main()
