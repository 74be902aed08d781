#!/usr/bin/env python
"""The pattern lab on real tokens: the same small LM trained on the same bundled-codec tokens once per codebook pattern.

Question: which of MusicGen's patterns (parallel, delay, partial delay, VALL-E, flattening) gives the best model per
unit of compute? `codectok.pattern_lab.pattern_lab` (chapter 07a) trains each run with chapter 07's `train_codec_lm`
(same seed, data, steps and model size; only `config.pattern` changes) and reports, side by side in one run:
sequential steps per second of audio, training seconds (validation excluded) with the validation loss against them,
wall time to generate 4 s with the KV-cached sampler, and held-out cross-entropy per codebook on the frame grid. This
script adds a listener's measure: each model continues the first third of held-out notes to the full length, the
codec decodes the continuations, and the multi-scale mel distance compares them with the real notes' reconstructions
("another note": the same distance between two different real notes, a baseline).

Data: NSynth-mini (rendered and cached on first use), the bundled mini codec's first --n-q codebooks, the first
--frames frames (75 = 1 s) of --notes training notes; held out: the validation split.

Usage: python benchmarks/bench_patterns.py [--steps 400] [--notes 600] [--frames 75] [--n-q 4] [--threads 1]
       python benchmarks/bench_patterns.py --quick --out /tmp/lab     # a 2-minute smoke run
Writes benchmarks/results/bench_patterns.{json,md,png} and the copy chapter 07a reads, codectok/results/bench_patterns.json
(not with --out or --quick).
"""
from __future__ import annotations
import hashlib, logging, platform, shutil, time, warnings
from pathlib import Path
import torch
from _common import RESULTS, bench_parser, bench_setup, write_results

PACKAGE_COPY = Path(__file__).resolve().parents[1]/'codectok'/'results'/'bench_patterns.json'


def tokens(codec, n_notes:int, n_q:int, frames:int) -> dict:
    "Cached bundled-codec tokens of NSynth-mini notes (the same cache files chapter 07 uses): {'train', 'valid'}."
    from codectok.core import weights_dir
    from codectok.data import render_nsynth_mini, NSynthDataset
    from codectok.codec_lm_train import cache_codec_tokens
    tag = hashlib.sha1((weights_dir()/'mini_codec.safetensors').read_bytes()).hexdigest()[:10]
    root = render_nsynth_mini(verbose=True)
    return {s: cache_codec_tokens(codec.encode, NSynthDataset(root, s, max_items=n_notes),
                                  f"nsynth_mini_{s}_{tag}_{n_notes}")[:, :n_q, :frames] for s in ('train', 'valid')}


def continuation_measure(codec, valid, n_eval:int, temperature:float, seed:int):
    "A `measure` for `pattern_lab`: mel distance of continuations of the first third of `n_eval` held-out notes."
    from codectok.codec_metrics import multiscale_mel_distance
    from codectok.sampling import generate
    real = valid[:n_eval]
    T, p = real.shape[2], real.shape[2] // 3
    cut = p * codec.stride                                                 # compare what follows the prompt only
    ref = codec.decode(real)[..., cut:]                                    # (n, 1, samples)
    baseline = float(multiscale_mel_distance(ref, ref.roll(1, 0), codec.sample_rate))   # another real note

    def measure(lm) -> dict:
        gen = generate(lm, T, prompt_codes=real[:, :, :p], temperature=temperature, seed=seed, progress=False)
        out = codec.decode(gen)[..., cut:]
        return dict(mel_continuation=float(multiscale_mel_distance(ref, out, codec.sample_rate)), mel_another_note=baseline)
    return measure


def to_markdown(res:dict) -> str:
    from codectok.pattern_lab import pattern_lab_table
    c = res['config']
    return '\n'.join([
        "# bench_patterns: the pattern lab on bundled-codec tokens", "",
        f"{c['train_notes']} NSynth-mini training notes and {c['valid_notes']} held-out notes, the first {c['frames']} frames "
        f"({c['frames'] / 75:.2f} s) of {c['n_q']} codebooks of 1024 codes; GPT-2 {c['n_layer']} x {c['n_embd']} "
        f"({c['params'] / 1e6:.2f}M parameters), {c['steps']} steps of batch {c['batch_size']}, lr {c['lr']}; "
        f"{res['env']['threads']} thread(s) on {res['env']['processor']}, torch {res['env']['torch']}. Generation: 4 s "
        f"with the KV cache. Continuations at T {c['temperature']} of the first third of {c['eval_notes']} held-out notes; "
        f"two different real notes give a mel distance of {res['runs'][0]['mel_another_note']:.3f}.", "",
        pattern_lab_table(res['runs'], extra={'mel_continuation': 'mel of continuations'}), ""])


def main():
    ap = bench_parser(__doc__, repeats=1)
    ap.add_argument('--steps', type=int, default=400)
    ap.add_argument('--notes', type=int, default=600, help='training notes (the validation split is capped at the same)')
    ap.add_argument('--frames', type=int, default=75)
    ap.add_argument('--n-q', type=int, default=4)
    ap.add_argument('--n-embd', type=int, default=64)
    ap.add_argument('--n-layer', type=int, default=2)
    ap.add_argument('--eval-notes', type=int, default=32)
    ap.add_argument('--temperature', type=float, default=0.7)
    ap.add_argument('--quick', action='store_true', help='40 steps on 64 notes: checks the pipeline, not the figures')
    a = ap.parse_args()
    if a.quick: a.steps, a.notes, a.eval_notes = 40, 64, 8
    for name in ('steps', 'notes', 'frames', 'n_q', 'eval_notes'):
        if getattr(a, name) < 1: ap.error(f"--{name.replace('_', '-')} must be at least 1")
    if not 3 <= a.frames: ap.error('--frames must be at least 3 (a third is the prompt)')
    bench_setup(a)
    warnings.filterwarnings('ignore', '.*does not have many workers.*'); warnings.filterwarnings('ignore', '.*LeafSpec.*')
    logging.getLogger('lightning.pytorch').setLevel(logging.ERROR)
    from codectok.codec import get_codec
    from codectok.gpt import CodecLMConfig
    from codectok.pattern_lab import pattern_lab, plot_pattern_lab
    codec = get_codec('mini', n_q=8)
    tok = tokens(codec, a.notes, a.n_q, a.frames)
    cfg = CodecLMConfig(n_q=a.n_q, codebook_size=codec.codebook_size, n_embd=a.n_embd, n_layer=a.n_layer, n_head=4)
    measure = continuation_measure(codec, tok['valid'], a.eval_notes, a.temperature, seed=0)
    t0 = time.time()
    runs = pattern_lab(tok['train'], tok['valid'], cfg, max_steps=a.steps, batch_size=16, lr=2e-3,
                       val_every=max(1, a.steps // 8), measure=measure)
    params = sum(p.numel() for p in runs[0]['model'].parameters())
    for r in runs: del r['model']
    res = dict(config=dict(train_notes=len(tok['train']), valid_notes=len(tok['valid']), frames=a.frames, n_q=a.n_q,
                           n_embd=a.n_embd, n_layer=a.n_layer, params=params, steps=a.steps, batch_size=16, lr=2e-3,
                           eval_notes=a.eval_notes, temperature=a.temperature),
               env=dict(torch=torch.__version__, threads=a.threads, processor=platform.processor() or platform.machine(),
                        wall_minutes=round((time.time() - t0) / 60, 1)),
               runs=runs)
    write_results(a.out, 'bench_patterns', res, to_markdown(res))
    import matplotlib; matplotlib.use('Agg'); import matplotlib.pyplot as plt
    axs = plot_pattern_lab(runs); axs[0].figure.tight_layout(); axs[0].figure.savefig(Path(a.out)/'bench_patterns.png', dpi=100)
    if Path(a.out).resolve() == RESULTS and not a.quick:                       # the figures chapter 07a shows
        PACKAGE_COPY.parent.mkdir(exist_ok=True); shutil.copyfile(Path(a.out)/'bench_patterns.json', PACKAGE_COPY)


if __name__ == '__main__':
    main()
