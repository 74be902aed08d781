#!/usr/bin/env python
"""Delay pattern, codectok vs 🤗 transformers' MusicGen, side by side in one run.

codectok:      seq = apply_delay(codes, pad_id); back = revert_delay(seq)
transformers:  MusicgenForCausalLM.build_delay_pattern_mask + apply_delay_pattern_mask (apply), then dropping the
               pad ids as `MusicgenForCausalLM.generate` does (revert). Its pattern has an extra BOS column, so
               `hf[..., 1:] == codectok` is what "equal outputs" means (see nbs/06_patterns.ipynb).

Writes benchmarks/results/bench_delay.json and bench_delay.md (or --out DIR).
Usage: python benchmarks/bench_delay.py [--repeats 20] [--threads 1] [--device cpu|cuda]
"""
import statistics, time
import torch
import transformers
from transformers import MusicgenDecoderConfig
from transformers.models.musicgen.modeling_musicgen import MusicgenForCausalLM
from codectok.patterns import apply_delay, revert_delay
from _common import bench_parser, bench_setup, device_name, write_results

SHAPES = [(64, 8, 3000), (1, 32, 75 * 600)]   # (B, K, T): a training batch; 10 min of EnCodec 24 kHz at 32 codebooks
CODEBOOK_SIZE = 2048                          # MusicGen's; pad id = codebook_size in both libraries


def tiny_musicgen(K):
    "A 1-layer random MusicGen decoder: `build_delay_pattern_mask` is a method and reads K from the model."
    cfg = MusicgenDecoderConfig(vocab_size=CODEBOOK_SIZE, num_codebooks=K, hidden_size=16, ffn_dim=32,
                                num_hidden_layers=1, num_attention_heads=2, audio_channels=1,
                                pad_token_id=CODEBOOK_SIZE, bos_token_id=CODEBOOK_SIZE)
    return MusicgenForCausalLM(cfg).eval()


def hf_apply(model, codes, pad_id):
    B, K, T = codes.shape
    ids = torch.cat([codes.new_full((B, K, 1), pad_id), codes], -1).reshape(B * K, T + 1)   # BOS column + codes
    _, pattern = model.build_delay_pattern_mask(ids, pad_token_id=pad_id, max_length=T + K)
    return model.apply_delay_pattern_mask(pattern, pattern)                                  # (B*K, 1 + T + K - 1)


def hf_revert(seq, B, K, pad_id):
    return seq[seq != pad_id].reshape(B, K, -1)                                              # as in generate()


def time_pair(fns, repeats, sync):
    "Median wall time of each function in `fns`, run interleaved (so load changes hit both sides alike)."
    for _ in range(2):
        for f in fns.values(): f(); sync()
    ts = {n: [] for n in fns}
    for _ in range(repeats):
        for n, f in fns.items():
            t0 = time.perf_counter(); f(); sync(); ts[n].append(time.perf_counter() - t0)
    return {n: statistics.median(v) for n, v in ts.items()}


def run_shape(B, K, T, repeats, device):
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    g = torch.Generator().manual_seed(0)
    codes = torch.randint(0, CODEBOOK_SIZE, (B, K, T), generator=g).to(device)
    model = tiny_musicgen(K).to(device)
    P = CODEBOOK_SIZE
    # equal outputs
    ct_seq = apply_delay(codes, P); hf_seq = hf_apply(model, codes, P)
    equal_apply = bool(torch.equal(hf_seq.reshape(B, K, -1)[..., 1:], ct_seq))
    ct_back, hf_back = revert_delay(ct_seq), hf_revert(hf_seq, B, K, P)
    equal_revert = bool(torch.equal(ct_back, codes) and torch.equal(hf_back, codes))
    assert equal_apply and equal_revert, f"outputs differ for shape {(B, K, T)}"
    t = {}
    for stage, ct, hf in [('apply', lambda: apply_delay(codes, P), lambda: hf_apply(model, codes, P)),
                          ('revert', lambda: revert_delay(ct_seq), lambda: hf_revert(hf_seq, B, K, P)),
                          ('total', lambda: revert_delay(apply_delay(codes, P)),
                                    lambda: hf_revert(hf_apply(model, codes, P), B, K, P))]:
        m = time_pair({'codectok': ct, 'transformers': hf}, repeats, sync)
        t[f'codectok_{stage}'], t[f'transformers_{stage}'] = m['codectok'], m['transformers']
    return dict(shape=[B, K, T], equal_apply=equal_apply, equal_revert=equal_revert,
                seconds=t, speedup=t['transformers_total'] / t['codectok_total'])


def to_markdown(res):
    lines = [f"Delay pattern apply + revert, median of {res['repeats']} interleaved runs on {res['device']} "
             f"({res['threads']} thread(s)), torch {res['torch']}, transformers {res['transformers']}.", "",
             "| (B, K, T) | equal | codectok apply / revert (ms) | transformers apply / revert (ms) | codectok total (ms) | transformers total (ms) | speed-up |",
             "|---|---|---|---|---|---|---|"]
    for r in res['results']:
        s = {k: v * 1e3 for k, v in r['seconds'].items()}
        lines.append(f"| {tuple(r['shape'])} | {'yes' if r['equal_apply'] and r['equal_revert'] else 'NO'} "
                     f"| {s['codectok_apply']:.2f} / {s['codectok_revert']:.2f} "
                     f"| {s['transformers_apply']:.2f} / {s['transformers_revert']:.2f} "
                     f"| {s['codectok_total']:.2f} | {s['transformers_total']:.2f} | {r['speedup']:.1f}× |")
    return '\n'.join(lines) + '\n'


def main():
    a = bench_parser(__doc__, repeats=20).parse_args()
    device = bench_setup(a)
    res = dict(device=device_name(device), threads=a.threads, repeats=a.repeats, torch=torch.__version__,
               transformers=transformers.__version__, results=[run_shape(*shape, a.repeats, device) for shape in SHAPES])
    write_results(a.out, 'bench_delay', res, to_markdown(res))


if __name__ == '__main__': main()
