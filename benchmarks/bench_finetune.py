#!/usr/bin/env python
"""Fine-tuning the bundled LM on sounds it never saw: every weight ('full') or low-rank adapters ('lora'), which is
better per minute of CPU time?

Data: the 20 espeak-ng sentences in nbs/assets/speech/ (49 s), tokenized with the bundled mini codec; 4 whole files
(10 s) held out (`codectok.finetune.split_heldout`). Batch 8 x 150 frames, one torch thread.

On a shared machine wall-clock curves measure the neighbours as much as the methods, so the benchmark separates the
two things it needs:
1. speed: seconds per training step of each method, timed side by side (interleaved rounds, median), from which
   the ratio r = s_full / s_lora;
2. learning: each run starts from the bundled LM with the same seed and crops and trains for the same *time* at the
   measured speeds: `--full-steps` steps for 'full', round(full_steps * r) for 'lora' (the cosine schedule spans the
   run), recording the held-out CE every `--eval-steps` steps; at the end, the 8-gram overlap of 4 generated clips
   with the training tokens against the held-out files' (`codectok.finetune.memorisation`; n-grams of fewer
   than 4 distinct codes, silence and steady hums, left out).
The CE of each run after the same training time decides; minutes are given at the measured s/step.

Writes benchmarks/results/bench_finetune.{json,md} and the copy chapter 14 reads, codectok/results/bench_finetune.json.

Usage: python benchmarks/bench_finetune.py [--full-steps 48] [--eval-steps 8] [--timing-rounds 6]
       [--runs full:3e-4 full:1e-3 lora:2e-3 lora:5e-3] [--threads 1] [--out DIR]
"""
import shutil, statistics, time, warnings
from pathlib import Path
import torch
from codectok.codec import get_codec
from codectok.bundled import bundled_lm
from codectok.finetune import FinetuneConfig, folder_tokens, split_heldout, finetune, memorisation, add_lora, cond_rows
from _common import bench_parser, bench_setup, device_name, write_results, RESULTS

ROOT = Path(__file__).resolve().parent.parent
warnings.filterwarnings('ignore')


def step_timer(method, train, batch=8, window=150):
    "A function that takes one optimizer step of `method` on a fresh bundled LM and returns its seconds."
    lm, cond = bundled_lm()
    params = (add_lora(lm) if method == 'lora' else list(lm.parameters())) + list(cond.parameters())
    opt = torch.optim.AdamW(params, lr=1e-4)
    labels = cond_rows(cond, 60, 'keyboard', batch)                  # what `finetune` feeds the conditioner
    g = torch.Generator().manual_seed(0); lm.train(); cond.train()
    def step():
        starts = torch.randint(0, train.shape[1] - window + 1, (batch,), generator=g)
        x = torch.stack([train[:, s:s + window] for s in starts.tolist()])
        t0 = time.perf_counter()
        loss = lm.loss(x, cond(labels))['loss']
        opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        return time.perf_counter() - t0
    return step


def main():
    ap = bench_parser(__doc__, repeats=1)
    ap.add_argument('--full-steps', type=int, default=48, help="steps of the 'full' runs (default 48)")
    ap.add_argument('--eval-steps', type=int, default=8)
    ap.add_argument('--timing-rounds', type=int, default=6, help='interleaved rounds of 2 steps per method (default 6)')
    ap.add_argument('--runs', nargs='+', default=['full:3e-4', 'full:1e-3', 'lora:2e-3', 'lora:5e-3'])
    a = ap.parse_args(); bench_setup(a)
    codec = get_codec('mini')
    data = folder_tokens(ROOT/'nbs/assets/speech', codec, n_q=bundled_lm()[0].config.n_q)   # the LM's K codebooks
    train, held, held_idx = split_heldout(data['codes'])
    # 1. speed, side by side
    timers = {m: step_timer(m, train) for m in ('full', 'lora')}
    for f in timers.values(): f()                                   # warm-up
    times = {m: [] for m in timers}
    for _ in range(a.timing_rounds):
        for m, f in timers.items(): times[m] += [f(), f()]
    s_step = {m: statistics.median(v) for m, v in times.items()}
    ratio = s_step['full'] / s_step['lora']
    print(f"s/step: full {s_step['full']:.2f}, lora {s_step['lora']:.2f} (full / lora = {ratio:.2f})", flush=True)
    del timers
    # 2. learning at equal time
    runs = []
    for spec in a.runs:
        method, lr = spec.split(':'); lr = float(lr)
        steps = a.full_steps if method == 'full' else round(a.full_steps * ratio)
        lm, cond = bundled_lm()
        c = FinetuneConfig(method=method, lr=lr, minutes=1440, max_steps=steps, eval_steps=a.eval_steps)
        t0 = time.time()
        r = finetune(lm, cond, train, held, c, log=lambda s: print(f'  {spec}: {s}', flush=True))
        mem = memorisation(r['lm'], r['cond'], train, held, c)
        for h in r['history']: h['minutes'] = round(h['step'] * s_step[method] / 60, 3)   # at the measured speed
        runs.append(dict(method=method, lr=lr, steps=steps, s_per_step=round(s_step[method], 3),
                         minutes=round(steps * s_step[method] / 60, 2), trained_parameters=r['n_trained'],
                         heldout_before=round(r['before'], 4), heldout_after=round(r['after'], 4),
                         ngram8_generated=round(mem['generated'], 4), ngram8_heldout=round(mem['heldout'], 4),
                         wall_s=round(time.time() - t0, 1), history=r['history']))
        print(f"{spec}: held-out CE {r['before']:.3f} -> {r['after']:.3f} in {steps} steps", flush=True)
    best = {m: min((r for r in runs if r['method'] == m), key=lambda r: r['heldout_after'])
            for m in ('full', 'lora') if any(r['method'] == m for r in runs)}
    winner = min(best.values(), key=lambda r: r['heldout_after'])['method']
    res = dict(device=device_name(torch.device(a.device)), threads=a.threads,
               s_per_step=dict((m, round(v, 3)) for m, v in s_step.items()), full_over_lora=round(ratio, 3),
               step_times=times, data=dict(files=len(data['files']), heldout_files=held_idx,
                                           train_seconds=round(train.shape[1] / codec.frame_rate, 2),
                                           heldout_seconds=round(held.shape[1] / codec.frame_rate, 2)),
               batch_size=8, window=150, full_steps=a.full_steps, runs=runs,
               best_per_method={m: f"{r['method']}:{r['lr']:g}" for m, r in best.items()},
               winner=winner, date=time.strftime('%Y-%m-%d'))
    md = [f"# Fine-tuning per minute: full vs LoRA ({res['device']}, {a.threads} thread, shared machine)", '',
          f"Bundled LM on {res['data']['train_seconds']} s of espeak-ng speech; held-out CE (nats) on "
          f"{res['data']['heldout_seconds']} s of other sentences, {runs[0]['heldout_before']:.3f} before. "
          f"Step time side by side: full {s_step['full']:.2f} s, LoRA {s_step['lora']:.2f} s "
          f"(full / LoRA = {ratio:.2f}); every run gets the same training time.", '',
          '| run | weights trained | steps | minutes at the measured s/step | held-out CE after '
          '| 8-gram overlap: generated / held-out |', '|---|---|---|---|---|---|']
    for r in runs:
        md.append(f"| {r['method']} lr {r['lr']:g} | {r['trained_parameters']:,} | {r['steps']} | {r['minutes']:.1f} | "
                  f"{r['heldout_after']:.3f} | {r['ngram8_generated']:.1%} / {r['ngram8_heldout']:.1%} |")
    common = max(set.intersection(*({h['step'] for h in r['history']} for r in runs)))
    for r in runs: r['heldout_at_common_step'] = next(h['heldout'] for h in r['history'] if h['step'] == common)
    res['common_step'] = common
    md += ['', f"At equal steps ({common}), held-out CE: " + ', '.join(
        f"{r['method']} lr {r['lr']:g} {r['heldout_at_common_step']:.3f}" for r in runs) + '.']
    md += ['', f"Better per minute: **{winner}** ({res['best_per_method'][winner]}, held-out CE "
           f"{best[winner]['heldout_after']:.3f})."]
    write_results(a.out, 'bench_finetune', res, '\n'.join(md) + '\n')
    if Path(a.out).resolve() == RESULTS.resolve():
        shutil.copy(RESULTS/'bench_finetune.json', ROOT/'codectok/results/bench_finetune.json')


if __name__ == '__main__': main()
