#!/usr/bin/env python
"""Quality and speed of the bundled LM (codectok/weights/lm*.safetensors) with the bundled mini codec.

Pitch following (issue #6): for held-out NSynth-mini test notes, the prompt is the note's first second of audio
(its codes are continued) and a label prefix made from the prompt itself: the pYIN pitch of the prompt audio,
rounded to MIDI, and the note's instrument family. The LM continues to 4 s; we take the pYIN median f0 of the
generated continuation (after the prompt) and count, per temperature, the continuations within 50 cents of
- the prompt's pitch (the pYIN median f0 of the prompt audio), over the voiced prompts: the issue's measure, and
- the note's MIDI label, over all notes: a stricter one, which also counts the notes whose own audio pYIN does not
  read at their label (above 2 kHz, pYIN's fmax here, or a sample that sounds off its label).
Two reference rows use the same measures: the real note after its first second (what pYIN makes of the data itself)
and the codec reconstruction of it (the codec's ceiling: a continuation cannot keep a pitch the codec cannot
represent). An unvoiced continuation is a miss. Per-note f0s are kept in the .json.

Speed: real-time factor of generate + decode of 4 s of audio (batch 1, T=0.7), medians of --repeats runs.

Usage: python benchmarks/eval_lm.py [--n-notes 24] [--temperatures 0.3 0.7 1.0] [--threads 1]
Writes benchmarks/results/eval_lm.json and eval_lm.md.

Classifier-free guidance sweep: `--cfg-scales 1 2 3` measures pitch following at one temperature (`--cfg-temperature`,
default 0.7) with no guidance and with each scale, the same notes and seeds, and writes eval_lm_cfg.json / .md instead
(does guiding by the label make the LM keep the prompt's pitch?).

`--codec-weights PATH` decodes with another mini codec (a .safetensors) instead of the bundled one, for the ceiling and
the continuations alike. It must make the tokens the LM was trained on (the `codec_tag` named in the LM's card), as a
decoder-only retrain does (`train_codec.py --decoder-only`); any other codec is refused.

`--silence-gate DB` passes every decoded waveform (ceiling and continuations) through `codectok.codec.silence_gate`.

`--top-k K` / `--top-p P` sample every continuation with that filter after the temperature (MusicGen's default is top-k
250): does cutting the tail of each codebook's distribution keep the pitch?

`--ceiling-only` measures only the two reference rows (no LM runs), so `--codec-weights` may then be any mini codec, a
candidate with new tokens included: how much of the pitch bar a continuation could reach on that codec, before the LM
is retrained on it. Writes eval_lm_ceiling.json / .md.
"""
import argparse, json, math, os, platform, statistics, sys, time, warnings
from pathlib import Path
import numpy as np
import torch

warnings.filterwarnings('ignore')
from codectok.core import weights_dir, atomic_write
from codectok.codec import get_codec
from codectok.codec_metrics import median_f0, midi_to_hz
from codectok.data import render_nsynth_mini, NSynthDataset
from codectok.gpt import load_codec_lm
from codectok.conditioning import load_conditioner
from codectok.sampling import generate_audio, check_sampling
from _common import by_register, register_table, load_codec_weights, add_silence_gate_flag, gate_decoder_

PROMPT_S, TOTAL_S = 1.0, 4.0


def cents(f, midi): return 1200 * math.log2(f / midi_to_hz(midi)) if f == f and f > 0 else float('nan')


def held_out_notes(n:int, sr:int):
    "n voiced test notes spread over the split: (wav (S,), pitch, family index)."
    ds = NSynthDataset(render_nsynth_mini(verbose=False), 'test')
    idx = np.linspace(0, len(ds) - 1, n).round().astype(int)
    return [(ds[int(i)]['wav'][: int(TOTAL_S * sr)], ds[int(i)]['pitch'], ds[int(i)]['instrument_family']) for i in idx]


ORIGINAL, CEILING = 'real note (data)', 'codec reconstruction (ceiling)'


def summarise(cs:list) -> dict:
    "cs: cents errors, NaN = excluded (unvoiced reference), inf = miss (unvoiced output)."
    kept = [c for c in cs if c == c]
    return dict(n=len(kept), n_voiced_output=sum(math.isfinite(c) for c in kept),
                within_50_cents=float(np.mean([abs(c) < 50 for c in kept])) if kept else float('nan'),
                median_abs_cents=float(np.median([abs(c) for c in kept])) if kept else float('nan'))


def errors(f0s:list, prompts:list) -> tuple:
    "(cents to the prompt's pitch, NaN for an unvoiced prompt; cents to the MIDI label): inf where the output is unvoiced."
    miss = lambda c: math.inf if c != c else c
    vs_prompt = [float('nan') if fp != fp else miss(1200 * math.log2(f / fp) if f == f else float('nan'))
                 for f, (*_, fp) in zip(f0s, prompts)]
    return vs_prompt, [miss(cents(f, pitch)) for f, (_, _, _, pitch, _) in zip(f0s, prompts)]


def add_source(res:dict, name:str, f0s:list, prompts:list, key:str='pitch_following') -> None:
    "Record one source's per-note f0s and its summaries (vs the prompt's pitch, vs the label) and register tables in `res`."
    vp, vl = errors(f0s, prompts)
    pitches = [pr[3] for pr in prompts]
    for n, f in zip(res['notes'], f0s): n.setdefault('f0_hz', {})[name] = f
    res.setdefault(key, {})[name] = summarise(vp)
    res.setdefault(key + '_vs_label', {})[name] = summarise(vl)
    res.setdefault('by_register', {})[name] = by_register(vp, pitches)
    res.setdefault('by_register_vs_label', {})[name] = by_register(vl, pitches)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n-notes', type=int, default=24)
    ap.add_argument('--temperatures', type=float, nargs='+', default=[0.3, 0.7, 1.0])
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'))
    ap.add_argument('--cfg-scales', type=float, nargs='+', default=None, help='run the guidance sweep instead (see above)')
    ap.add_argument('--cfg-temperature', type=float, default=0.7)
    ap.add_argument('--top-k', type=int, default=None, help='sample every continuation with top-k filtering (1..1024)')
    ap.add_argument('--top-p', type=float, default=None, help='... and/or nucleus filtering, in (0, 1]')
    ap.add_argument('--weights', default=None, help='folder with lm.safetensors + lm_conditioner.safetensors (default: the bundled ones)')
    ap.add_argument('--codec-weights', default=None, help='decode with this mini codec .safetensors (same tokens as the LM\'s; default: bundled)')
    add_silence_gate_flag(ap)
    ap.add_argument('--ceiling-only', action='store_true', help='only the reference rows (any --codec-weights; see above)')
    a = ap.parse_args()
    if a.ceiling_only and a.cfg_scales is not None: ap.error("--ceiling-only runs no LM: it takes no --cfg-scales")
    if a.ceiling_only and (a.top_k, a.top_p) != (None, None): ap.error("--ceiling-only runs no LM: it takes no --top-k / --top-p")
    if a.cfg_scales is not None and any(not g > 0 for g in a.cfg_scales):
        ap.error(f"--cfg-scales must be positive, got {a.cfg_scales}")
    try: check_sampling(1.0, a.top_k, a.top_p, 1024)      # the bundled LM's codebook size
    except ValueError as e: ap.error(str(e))
    torch.set_num_threads(a.threads)
    wd = Path(a.weights) if a.weights else weights_dir()
    codec, tag = decoding_codec(a.codec_weights, wd, ap.error, same_tokens=not a.ceiling_only)
    gate_decoder_(codec, a.silence_gate)          # the ceiling and every continuation alike
    sr = codec.sample_rate
    notes = held_out_notes(a.n_notes, sr)
    res = dict(n_notes=len(notes), prompt_seconds=PROMPT_S, seconds=TOTAL_S, threads=a.threads,
               machine=f"{platform.machine()}, torch {torch.__version__}", lm_weights=a.weights or 'bundled',
               codec_weights=a.codec_weights or 'bundled', codec_tag=tag, silence_gate_db=a.silence_gate, top_k=a.top_k,
               top_p=a.top_p, pitch_following={})
    prompts, refs = [], {ORIGINAL: [], CEILING: []}
    for wav, pitch, fam in notes:
        x, n = wav[None, None], int(PROMPT_S * sr)
        f0 = median_f0(wav[:n], sr)
        est = int(np.clip(round(librosa_hz_to_midi(f0)), 0, 127)) if f0 == f0 else pitch   # unvoiced prompt: fall back to the label
        prompts.append((wav[:n], est, fam, pitch, f0))
        refs[ORIGINAL].append(median_f0(wav[n:], sr))
        refs[CEILING].append(median_f0(codec.decode(codec.encode(x), length=x.shape[-1])[0, 0, n:], sr))
    res['notes'] = [dict(midi=int(pitch), family=fam, prompt_f0_hz=f0, prefix_midi=est) for _, est, fam, pitch, f0 in prompts]
    for k, f0s in refs.items(): add_source(res, k, f0s, prompts)
    print('references', {k: res['pitch_following'][k]['within_50_cents'] for k in refs}, flush=True)
    if a.ceiling_only:
        return write(a.out, 'eval_lm_ceiling', res, [
            "# The codec's ceiling for pitch following", "",
            f"{len(notes)} held-out NSynth-mini test notes, as in eval_lm.md: pYIN median f0 (50-2000 Hz) of the audio after the "
            f"first {PROMPT_S:.0f} s, of the real note and of its 8-codebook reconstruction; no LM was run.", *codec_line(res), ""]
            + pitch_table(res, 'source', 'pitch_following'))
    lm, cond = load_codec_lm(wd/'lm.safetensors'), load_conditioner(wd/'lm_conditioner.safetensors')
    def follow(T, cfg=None):
        f0s = []
        for i, (p, est, fam, pitch, _) in enumerate(prompts):
            with torch.no_grad(): pre = cond.prefix(est, fam)
            wav, _ = generate_audio(lm, codec, seconds=TOTAL_S, prompt_wav=p[None, None], prefix=pre, temperature=T,
                                    top_k=a.top_k, top_p=a.top_p, cfg_scale=cfg, seed=i, progress=False)
            f0s.append(median_f0(wav[0, 0, len(p):], sr))
        return f0s

    if a.cfg_scales is not None: return cfg_sweep(a, res, follow, prompts)
    for T in a.temperatures:
        name = f'LM continuation, T={T}'
        add_source(res, name, follow(T), prompts)
        print(name, res['pitch_following'][name], flush=True)
    ts, res['load_average_before_rtf'] = [], list(os.getloadavg())   # other jobs on the machine slow the clock
    for r in range(a.repeats):
        t0 = time.perf_counter()
        with torch.no_grad(): generate_audio(lm, codec, seconds=TOTAL_S, prefix=cond.prefix(60, 'keyboard'), temperature=0.7,
                                             seed=r, progress=False)
        ts.append(time.perf_counter() - t0)
    res['rtf_generate_decode_4s'] = statistics.median(ts) / TOTAL_S
    print('RTF', res['rtf_generate_decode_4s'])
    lines = ["# Bundled LM: pitch following and speed", "",
             f"{len(notes)} held-out NSynth-mini test notes; prompt = first {PROMPT_S:.0f} s (codes continued) + label prefix "
             f"(pYIN pitch of the prompt, instrument family); {TOTAL_S:.0f} s generated; pitch = pYIN median f0 (50-2000 Hz) "
             f"of the audio after the prompt; {a.threads} CPU thread(s).", *codec_line(res), ""]
    lines += pitch_table(res, 'source', 'pitch_following')
    lines += ["", f"Real-time factor, generate + decode 4 s (batch 1, T=0.7): **{res['rtf_generate_decode_4s']:.2f}** "
                  f"(median of {a.repeats}; load average {res['load_average_before_rtf'][0]:.1f} on {os.cpu_count()} cores when it started)."]
    write(a.out, 'eval_lm', res, lines)


def decoding_codec(path, lm_dir:Path, error, same_tokens:bool=True):
    """(codec, codec_tag): the bundled mini codec, or the one at `path` if its tokens are those the LM in `lm_dir` was
    trained on (any mini codec when `same_tokens` is False)."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'scripts'))
    from train_bundled import codec_tag
    if path is None: return get_codec('mini', n_q=8), codec_tag()
    from codectok.codec import EncodecCodec
    if Path(path).suffix != '.safetensors' or not Path(path).exists():
        error(f"--codec-weights must be an existing mini codec .safetensors, got {path!r}")
    tag = codec_tag(path)
    if same_tokens:
        card = lm_dir/'lm.card.json'
        if not card.exists(): error(f"no {card}: without the LM's card there is no telling which codec's tokens it was trained on")
        data = json.loads(card.read_text())['data']
        if f"codec {tag}" not in data:
            error(f"the codec at {path} makes other tokens (codec_tag {tag}) than the LM in {lm_dir} was trained on ({data}); "
                  f"only a decoder-only retrain of that codec can decode this LM's tokens.")
    return EncodecCodec(load_codec_weights(path, fuse=True), n_q=8, name='mini'), tag


def pitch_table(res, first:str, key:str) -> list:
    "Markdown lines: per source in res[key], the share within 50 cents of the prompt's pitch (voiced prompts) and of the label."
    rows, lab = res[key], res[key + '_vs_label']
    pc = lambda s: f"{round(s['within_50_cents'] * s['n'])}/{s['n']} = **{s['within_50_cents']:.0%}** | {s['median_abs_cents']:.0f}"
    lc = lambda s: f"{round(s['within_50_cents'] * s['n'])}/{s['n']} = {s['within_50_cents']:.0%}"
    return ([f"| {first} | within 50 cents of the prompt's pitch (voiced prompts) | median abs. cents | within 50 cents of the MIDI label (all notes) |",
             "|---|---|---|---|"] + [f"| {k} | {pc(s)} | {lc(lab[k])} |" for k, s in rows.items()])


def codec_line(res) -> list:
    "Extra header lines: the silence gate, the sampling filter, a codec other than the bundled one (where each applies)."
    gate = [] if res.get('silence_gate_db') is None else [f"Decoded audio passed through `silence_gate` at {res['silence_gate_db']:g} dBFS."]
    filt = ', '.join(f"{k}={res[k]:g}" for k in ('top_k', 'top_p') if res.get(k) is not None)
    if filt: gate.append(f"Continuations sampled with {filt} (after the temperature).")
    return gate + ([] if res['codec_weights'] == 'bundled' else
                   [f"Decoded with the mini codec at `{res['codec_weights']}` (codec_tag {res['codec_tag']})."])


def write(out, name:str, res:dict, lines:list) -> None:
    "name.json and name.md (with the by-register tables appended) under `out`, each atomically."
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    lines = lines + ["", "Within 50 cents of the prompt's pitch by register (MIDI label of the note; voiced prompts):", ""] + \
        register_table(res['by_register']) + ["", "Within 50 cents of the MIDI label by register:", ""] + register_table(res['by_register_vs_label'])
    atomic_write(out/f'{name}.json', lambda tmp: Path(tmp).write_text(json.dumps(res, indent=1)))
    atomic_write(out/f'{name}.md', lambda tmp: Path(tmp).write_text('\n'.join(lines) + '\n'))


def cfg_sweep(a, res, follow, prompts):
    "Pitch following at one temperature without guidance and at each CFG scale; writes eval_lm_cfg.{json,md}."
    T, n = a.cfg_temperature, res['n_notes']
    res['temperature'] = T
    res['cfg'] = {k: res['pitch_following'][k] for k in (ORIGINAL, CEILING)}
    res['cfg_vs_label'] = {k: res['pitch_following_vs_label'][k] for k in (ORIGINAL, CEILING)}
    for g in [None] + list(a.cfg_scales):
        name = 'no guidance' if g is None else f'CFG scale {g:g}'
        add_source(res, name, follow(T, g), prompts, key='cfg')
        print(name, res['cfg'][name], flush=True)
    lines = ["# Bundled LM: pitch following under classifier-free guidance", "",
             f"{n} held-out NSynth-mini test notes, prompted and measured as in eval_lm.md (1 s of audio + label prefix), T={T}, "
             f"the same seeds for every row; guidance: uncond + scale x (cond - uncond), uncond = the null prefix.",
             *codec_line(res), ""]
    write(a.out, 'eval_lm_cfg', res, lines + pitch_table(res, 'sampling', 'cfg'))


def librosa_hz_to_midi(f): 
    import librosa
    return float(librosa.hz_to_midi(f))


if __name__ == '__main__':
    main()
