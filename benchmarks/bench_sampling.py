#!/usr/bin/env python
"""KV-cached sampling (codectok.sampling.generate), measured in one run against:

1. full recomputation (`generate_nocache`: a full forward over all steps so far at every step), 300 frames = 4 s at
   75 Hz, default CodecLMConfig (K=8, N=1024, width 256, 4 layers, 4 heads); outputs must be identical (same seed);
2. 🤗 transformers' `MusicgenForCausalLM.generate` with a random MusicgenDecoderConfig of matched size (width 256,
   4 layers, 4 heads, FFN 1024, 8 codebooks of 1024), 300 new steps, plain sampling (T=1, no top-k), batch 1 and 8;
3. the real-time factor of generate + decode for 4 s of audio with a random-init MiniCodec (CPU).

Timings are medians of interleaved runs, so load changes on a shared machine hit both sides alike.
Writes benchmarks/results/bench_sampling.json and bench_sampling.md (or --out DIR).
Quality of the bundled LM (pitch following across temperatures, its real-time factor): benchmarks/eval_lm.py.

Usage: python benchmarks/bench_sampling.py [--repeats 3] [--threads 1] [--device cpu|cuda]
"""
import os, statistics, time, warnings
import torch
import transformers
from transformers import MusicgenDecoderConfig, MusicgenForCausalLM
from codectok.gpt import CodecLM, CodecLMConfig
from codectok.sampling import generate, generate_nocache, generate_audio
from _common import bench_parser, bench_setup, device_name, write_results

FRAMES, STEPS = 300, 300          # 4 s at 75 Hz; MusicGen comparison: 300 new delayed steps on both sides


def timed(f, sync):
    t0 = time.perf_counter(); out = f(); sync(); return time.perf_counter() - t0, out


def median_interleaved(fns, repeats, sync):
    "Median seconds of each function, one warm-up each, then `repeats` rounds in turn."
    for f in fns.values(): f(); sync()
    ts = {n: [] for n in fns}
    for _ in range(repeats):
        for n, f in fns.items(): ts[n].append(timed(f, sync)[0])
    return {n: statistics.median(v) for n, v in ts.items()}, ts


def musicgen_like(cfg: CodecLMConfig, device):
    mc = MusicgenDecoderConfig(vocab_size=cfg.codebook_size, hidden_size=cfg.n_embd, num_hidden_layers=cfg.n_layer,
                               num_attention_heads=cfg.n_head, ffn_dim=4 * cfg.n_embd, num_codebooks=cfg.n_q,
                               max_position_embeddings=cfg.n_positions, pad_token_id=cfg.codebook_size,
                               bos_token_id=cfg.codebook_size, dropout=0.0, audio_channels=1)
    m = MusicgenForCausalLM(mc).eval().to(device)
    m.generation_config.decoder_start_token_id = cfg.codebook_size
    m.generation_config.pad_token_id = cfg.codebook_size
    return m


def bench_cache(model, repeats, sync):
    "Cached vs full recompute, 300 frames, same seed: identical codes required."
    a = generate(model, FRAMES, seed=0, progress=False)
    b = generate_nocache(model, FRAMES, seed=0)
    equal = bool(torch.equal(a, b))
    med, raw = median_interleaved({'cached': lambda: generate(model, FRAMES, seed=0, progress=False),
                                   'full_recompute': lambda: generate_nocache(model, FRAMES, seed=0)}, repeats, sync)
    return dict(frames=FRAMES, steps=len(model.pattern(FRAMES)), equal_outputs=equal, seconds=med, runs=raw,
                speedup=med['full_recompute'] / med['cached'])


def bench_musicgen(model, hf, batch, repeats, sync):
    K, N = model.config.n_q, model.config.codebook_size
    ids = torch.full((batch * K, 1), N, device=model.device)
    def ours(): return generate(model, STEPS - K + 1, batch_size=batch, temperature=1.0, progress=False)   # S = 300 steps
    def theirs():
        with torch.inference_mode():
            return hf.generate(input_ids=ids, max_new_tokens=STEPS, do_sample=True, temperature=1.0, top_k=0,
                               guidance_scale=None, num_return_sequences=1)
    n_hf = theirs().shape[-1]
    med, raw = median_interleaved({'codectok': ours, 'transformers': theirs}, repeats, sync)
    return dict(batch=batch, steps=STEPS, frames_codectok=STEPS - K + 1, frames_transformers=int(n_hf), seconds=med, runs=raw,
                speedup=med['transformers'] / med['codectok'])


def bench_rtf(model, repeats, sync):
    from codectok.codec import EncodecCodec, MiniCodec, fuse_for_inference_
    with warnings.catch_warnings():                  # fused for inference, as get_codec('mini') runs the shipped codec
        warnings.simplefilter('ignore'); codec = EncodecCodec(fuse_for_inference_(MiniCodec()), n_q=model.config.n_q, name='mini-random')
    run = lambda: generate_audio(model, codec, seconds=4.0, temperature=1.0, seed=0, progress=False)
    run()
    ts_gen, ts_all, ts_cpu = [], [], []
    for _ in range(repeats):
        c0 = time.process_time()
        t_all, (wav, codes) = timed(run, sync)
        ts_cpu.append(time.process_time() - c0)
        t_dec, _ = timed(lambda: codec.decode(codes), sync)
        ts_all.append(t_all); ts_gen.append(t_all - t_dec)
    audio_s = wav.shape[-1] / codec.sample_rate
    t, t_cpu = statistics.median(ts_all), statistics.median(ts_cpu)
    return dict(audio_seconds=audio_s, seconds_total=t, seconds_generate=statistics.median(ts_gen), rtf=t / audio_s,
                cpu_seconds_total=t_cpu, rtf_cpu_time=t_cpu / audio_s)


def to_markdown(r):
    c, rtf = r['cache'], r['rtf']
    lines = [f"Sampling benchmarks on {r['device']} ({r['threads']} thread(s)), torch {r['torch']}, transformers "
             f"{r['transformers']}; default CodecLMConfig (K=8, N=1024, width 256, 4 layers); medians of "
             f"{r['repeats']} interleaved runs.", "",
             "| comparison | codectok (s) | other (s) | speed-up | note |", "|---|---|---|---|---|",
             f"| KV cache vs full recompute, {c['frames']} frames ({c['steps']} steps), batch 1 | {c['seconds']['cached']:.2f} "
             f"| {c['seconds']['full_recompute']:.2f} | {c['speedup']:.1f}× | identical codes: {'yes' if c['equal_outputs'] else 'NO'} |"]
    for m in r['musicgen']:
        lines.append(f"| vs MusicgenForCausalLM.generate, {m['steps']} steps, batch {m['batch']} | {m['seconds']['codectok']:.2f} "
                     f"| {m['seconds']['transformers']:.2f} | {m['speedup']:.1f}× | random weights, plain sampling T=1 |")
    lines += ["", f"Real-time factor (generate + decode {rtf['audio_seconds']:.1f} s of audio, random MiniCodec, fused as get_codec runs it): "
                  f"**{rtf['rtf']:.3f}** wall clock ({rtf['seconds_total']:.2f} s, of which generate {rtf['seconds_generate']:.2f} s); "
                  f"{rtf['rtf_cpu_time']:.3f} in CPU time of this process ({rtf['cpu_seconds_total']:.2f} s), roughly what an unshared core "
                  f"would give. Load average at the start: {r['loadavg']}."]
    return '\n'.join(lines) + '\n'


def main():
    a = bench_parser(__doc__, repeats=3).parse_args()
    device = bench_setup(a)
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    cfg = CodecLMConfig()
    model = CodecLM(cfg).eval().to(device)
    hf = musicgen_like(cfg, device)
    res = dict(device=device_name(device),
               loadavg=[round(x, 2) for x in os.getloadavg()], threads=a.threads, repeats=a.repeats, torch=torch.__version__, transformers=transformers.__version__,
               config=dict(n_q=cfg.n_q, codebook_size=cfg.codebook_size, n_embd=cfg.n_embd, n_layer=cfg.n_layer, n_head=cfg.n_head))
    res['cache'] = bench_cache(model, a.repeats, sync); print('cache', res['cache']['seconds'], flush=True)
    res['musicgen'] = [bench_musicgen(model, hf, b, a.repeats, sync) for b in (1, 8)]; print('musicgen', [m['seconds'] for m in res['musicgen']], flush=True)
    res['rtf'] = bench_rtf(model, max(a.repeats, 5), sync)
    write_results(a.out, 'bench_sampling', res, to_markdown(res))


if __name__ == '__main__': main()
