#!/usr/bin/env python
"""The speed limit of a decoding step (chapter 09b, codectok.speed), measured on this machine.

1. The machine: copy bandwidth (read + write) at the working set of one batch-1 step and at a set far larger than
   any cache, and the throughput of a (512, 1024) @ (1024, 1024) matmul in float32 and int8; one thread. The rates
   are sampled before every round of the samplers (so under the same load) and the best sample is kept.
2. The bound: for each of the 300 steps (4 s at 75 Hz, delay pattern) of the default CodecLMConfig (K=8, N=1024,
   width 256, 4 layers), max(bytes moved / bandwidth, FLOPs / matmul throughput) (codectok.speed.step_cost and
   step_bound); the mean over the steps, at batch 1 and 8. The int8 bound counts weights as one byte each and the
   arithmetic at the measured rate of the int8 kernel (`generate(fuse='int8')`'s, on the same matmul shape).
3. Measured, interleaved (medians of --repeats rounds of this process's CPU time, so that time other processes hold
   the core is left out and a busy machine slows every side alike; wall-clock medians are kept too), 300 steps at
   batch 1 and 8, plain sampling at T=1:
   - codectok: `codectok.sampling.generate` (preallocated cache, fused float32 step), the default;
   - codectok int8: `generate(..., fuse='int8')` (int8 weights, dynamic int8 activations, fbgemm);
   - codectok bf16 weights: `generate` on a bfloat16 copy of the model;
   - autocast bf16: `generate` inside `torch.autocast('cpu', dtype=torch.bfloat16)`;
   - transformers MusicGen: `MusicgenForCausalLM.generate` built from a config of matched size (random weights);
   - full recompute: `codectok.sampling.generate_nocache` (one round: it is an order of magnitude slower).
   Speed-ups use the medians; "x bound" compares each sampler's best round with the bound from the best rates.
   Each variant's codes are compared with the default's for the same seed (the default's with generate_nocache).
4. The bound for a clip: seconds of sampling per second of audio (batch 1; with CFG; without a cache, 10 s).

Writes benchmarks/results/bench_speed_limit.{json,md} and the copy chapter 09b reads,
codectok/results/bench_speed_limit.json (when --out is the default).

Usage: python benchmarks/bench_speed_limit.py [--repeats 5] [--threads 1] [--batches 1 8] [--skip-recompute]
"""
import copy, os, shutil, statistics, time
from pathlib import Path
import torch
import transformers
from codectok.gpt import CodecLM, CodecLMConfig
from codectok.sampling import generate, generate_nocache
from codectok.speed import step_cost, step_bound, copy_bandwidth, matmul_throughput, clip_bound
from _common import RESULTS, bench_parser, bench_setup, device_name, write_results
from bench_sampling import musicgen_like

STEPS = 300                                          # delay pattern: 293 frames + 8 - 1 = 300 steps
PACKAGE_COPY = Path(__file__).resolve().parents[1]/'codectok'/'results'/'bench_speed_limit.json'


def mean_bound(cfg, batch, steps, bw, flops, weight_bytes=4) -> dict:
    "The step bound averaged over `steps` steps (step s sees BOS + s cached positions)."
    rows = []
    for s in range(steps):
        c = step_cost(cfg, batch, s + 1)
        if weight_bytes != 4:                        # int8 weights: the matrices at one byte a number
            w = step_cost(cfg, batch, s + 1, value_bytes=weight_bytes)['weight_bytes']
            c = dict(c, weight_bytes=w, bytes=w + c['kv_bytes'])
        rows.append(step_bound(c, bw, flops))
    mean = lambda k: statistics.fmean(r[k] for r in rows)
    return dict(ms=1e3 * mean('seconds'), memory_ms=1e3 * mean('memory_s'), compute_ms=1e3 * mean('compute_s'),
                bound_by=max(('memory', 'compute'), key=lambda b: sum(r['bound_by'] == b for r in rows)))


def samplers(model, hf, batch):
    "name -> a function that samples STEPS steps at `batch` (seed 0)."
    K, N = model.config.n_q, model.config.codebook_size
    T, ids = STEPS - K + 1, torch.full((batch * K, 1), N)
    bf16 = copy.deepcopy(model).to(torch.bfloat16)
    kw = dict(batch_size=batch, temperature=1.0, seed=0, progress=False)
    def autocast():
        with torch.autocast('cpu', dtype=torch.bfloat16): return generate(model, T, **kw)
    def musicgen():
        with torch.inference_mode():
            return hf.generate(input_ids=ids, max_new_tokens=STEPS, do_sample=True, temperature=1.0, top_k=0,
                               guidance_scale=None, num_return_sequences=1)
    return {'codectok': lambda: generate(model, T, **kw),
            'codectok int8': lambda: generate(model, T, fuse='int8', **kw),
            'codectok bf16 weights': lambda: generate(bf16, T, **kw),
            'autocast bf16': autocast,
            'transformers MusicGen': musicgen}


def timed(f):
    "(CPU seconds of this process, wall seconds, result): CPU time leaves out the time other processes hold the core."
    c0, t0 = time.process_time(), time.perf_counter(); out = f()
    return time.process_time() - c0, time.perf_counter() - t0, out


def machine_rates(step_bytes:int, repeats:int=3) -> dict:
    "One sample of the rates the bound uses (the benchmark keeps the best sample of every round)."
    return dict(bandwidth_step=copy_bandwidth(step_bytes, repeats), matmul_flops=matmul_throughput(repeats=repeats),
                matmul_ops_int8=matmul_throughput(repeats=repeats, int8=True))


def measure(model, hf, batch, repeats, recompute:bool, rates:list, step_bytes:int) -> dict:
    "Interleaved rounds of every sampler, the machine's rates sampled between rounds (same load as the samplers)."
    fns = samplers(model, hf, batch)
    outs = {n: f() for n, f in fns.items()}                        # warm-up (packs the int8 weights once)
    runs, wall = {n: [] for n in fns}, {n: [] for n in fns}
    for _ in range(repeats):
        rates.append(machine_rates(step_bytes))
        for n, f in fns.items():
            c, w, _ = timed(f); runs[n].append(c); wall[n].append(w)
    ref = outs['codectok']
    equal = {n: float((o == ref).float().mean()) for n, o in outs.items()
             if n not in ('codectok', 'transformers MusicGen')}
    if recompute:
        t, w, codes = timed(lambda: generate_nocache(model, STEPS - model.config.n_q + 1, batch_size=batch,
                                                  temperature=1.0, seed=0))
        runs['full recompute'], wall['full recompute'] = [t], [w]
        equal['codectok'] = bool(torch.equal(codes, ref))
    return runs, wall, equal


def to_markdown(r) -> str:
    m = r['machine']
    lines = [f"# bench_speed_limit: the speed limit of a decoding step", "",
             f"{r['device']}, {r['threads']} thread(s), torch {r['torch']}, transformers {r['transformers']}; default "
             f"CodecLMConfig (K=8, N=1024, width 256, 4 layers); {r['steps']} steps; medians of {r['repeats']} "
             f"interleaved rounds (full recompute: one round) of the CPU time of this process (one thread: what an "
             f"unshared core gives; wall-clock medians are in the JSON). Load average at the start: {r['loadavg']}.", "",
             f"Copy bandwidth {m['bandwidth_step'] / 1e9:.1f} GB/s at the batch-1 step's working set "
             f"({m['step_bytes'] / 2**20:.1f} MiB), {m['bandwidth_dram'] / 1e9:.1f} GB/s at "
             f"{m['dram_bytes'] / 2**20:.0f} MiB; float32 matmul {m['matmul_flops'] / 1e9:.1f} GFLOP/s, int8 "
             f"{m['matmul_ops_int8'] / 1e9:.1f} Gop/s.", "",
             "| batch | sampler | ms per step (median) | best round / bound | speed-up vs MusicGen (medians) | codes equal to the default |",
             "|---|---|---|---|---|---|"]
    for b in r['batches']:
        t = b['ms_per_step']
        lines.append(f"| {b['batch']} | bound ({b['bound_by']}-bound; int8 weights: {t['bound int8']:.2f} ms; "
                     f"at main-memory bandwidth: {t['bound main memory']:.2f} ms) | {t['bound']:.2f} | 1 | | |")
        for n, ms in t.items():
            if n.startswith('bound'): continue
            x = b['ratio_to_bound'].get(n)
            eq = b['equal_codes'].get(n)
            eq = '' if eq is None else (('yes' if eq else 'NO') if isinstance(eq, bool) else f"{100 * eq:.0f} %")
            lines.append(f"| {b['batch']} | {n} | {ms:.2f} | {'' if x is None else f'{x:.2f}'} | "
                         f"{b['speedup'].get(n, float('nan')):.2f}× | {eq} |")
    c = r['clip']
    lines += ["", "Bound for a clip (seconds of sampling per second of audio, batch 1): "
              f"cached {c['cached_rtf']:.3f}, with CFG {c['cfg_rtf']:.3f}, without a cache over "
              f"{c['long_seconds']:.0f} s {c['nocache_rtf']:.3f} (cached over {c['long_seconds']:.0f} s: "
              f"{c['cached_long_rtf']:.3f}); measured codectok over {c['measured_seconds']:.1f} s: "
              f"{c['measured_rtf']:.3f}.",
              "", "'codes equal': for codectok, generate == generate_nocache (same seed); for the variants, the share "
              "of codes equal to the default's (lower precision changes the draws)."]
    return '\n'.join(lines) + '\n'


def main():
    ap = bench_parser(__doc__, repeats=5)
    ap.add_argument('--batches', type=int, nargs='+', default=[1, 8])
    ap.add_argument('--skip-recompute', action='store_true', help='do not time generate_nocache')
    a = ap.parse_args()
    if a.device != 'cpu': ap.error('this benchmark measures the CPU (int8 kernels, copy bandwidth); use --device cpu')
    bench_setup(a)
    cfg = CodecLMConfig()
    model, hf = CodecLM(cfg).eval(), musicgen_like(cfg, torch.device('cpu'))
    step_bytes = step_cost(cfg, 1, STEPS // 2)['bytes']
    dram = 512 * 2**20
    rates = [machine_rates(step_bytes, repeats=5)]
    machine = dict(step_bytes=step_bytes, dram_bytes=dram, bandwidth_dram=copy_bandwidth(dram, repeats=3))
    res = dict(device=device_name(torch.device('cpu')), loadavg=[round(x, 2) for x in os.getloadavg()],
               threads=a.threads, repeats=a.repeats, torch=torch.__version__, transformers=transformers.__version__,
               steps=STEPS, config=dict(n_q=cfg.n_q, codebook_size=cfg.codebook_size, n_embd=cfg.n_embd,
                                        n_layer=cfg.n_layer, n_head=cfg.n_head),
               machine=machine, batches=[])
    samples = []
    for B in a.batches:
        samples.append(measure(model, hf, B, a.repeats, not a.skip_recompute, rates, step_bytes))
    machine |= {k: max(r[k] for r in rates) for k in rates[0]}      # the best of every sample: the machine's rate
    machine['samples'] = rates
    print('machine', {k: f'{v:.3g}' for k, v in machine.items() if k != 'samples'}, flush=True)
    bw, fl = machine['bandwidth_step'], machine['matmul_flops']
    for B, (runs, wall, equal) in zip(a.batches, samples):
        bound = mean_bound(cfg, B, STEPS, bw, fl)
        bound8 = mean_bound(cfg, B, STEPS, bw, machine['matmul_ops_int8'], weight_bytes=1)
        bound_dram = mean_bound(cfg, B, STEPS, machine['bandwidth_dram'], fl)
        ms = {'bound': bound['ms'], 'bound int8': bound8['ms'], 'bound main memory': bound_dram['ms']}
        ms |= {n: 1e3 * statistics.median(v) / STEPS for n, v in runs.items()}
        best = {n: 1e3 * min(v) / STEPS for n, v in runs.items()}
        hf_ms = ms['transformers MusicGen']
        row = dict(batch=B, ms_per_step=ms, best_ms_per_step=best, bound_by=bound['bound_by'], bound_detail=bound,
                   bound_int8_detail=bound8,
                   ratio_to_bound={n: best[n] / (ms['bound int8'] if 'int8' in n else ms['bound'])
                                   for n in runs if n != 'transformers MusicGen'},
                   speedup={n: hf_ms / ms[n] for n in runs}, equal_codes=equal, cpu_seconds_runs=runs,
                   wall_ms_per_step={n: 1e3 * statistics.median(v) / STEPS for n, v in wall.items()},
                   wall_seconds_runs=wall)
        res['batches'].append(row)
        print(f"batch {B}:", {n: round(v, 3) for n, v in ms.items()}, flush=True)
    first = res['batches'][0]
    T = STEPS - cfg.n_q + 1
    res['clip'] = dict(
        cached_rtf=clip_bound(cfg, 1.0, bw, fl)['rtf'], cfg_rtf=clip_bound(cfg, 1.0, bw, fl, cfg=True)['rtf'],
        long_seconds=10.0, nocache_rtf=clip_bound(cfg, 10.0, bw, fl, cache=False)['rtf'],
        cached_long_rtf=clip_bound(cfg, 10.0, bw, fl)['rtf'],
        measured_seconds=T / 75, measured_rtf=first['ms_per_step']['codectok'] * STEPS / 1e3 / (T / 75),
        measured_batch=first['batch'])
    write_results(a.out, 'bench_speed_limit', res, to_markdown(res))
    if Path(a.out).resolve() == RESULTS:
        PACKAGE_COPY.parent.mkdir(exist_ok=True); shutil.copyfile(Path(a.out)/'bench_speed_limit.json', PACKAGE_COPY)


if __name__ == '__main__':
    main()
