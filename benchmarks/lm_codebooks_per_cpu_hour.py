#!/usr/bin/env python
"""Does an LM over the first 4 codebooks (3 kbps) learn more per CPU-hour than one over all 8 (6 kbps)? (issue 35)

The codec's mel distance is the same at 4 and 8 codebooks, and pitch and timbre live mostly in the coarse codes, so a
4-codebook LM could spend all its compute where it matters. Both contestants start from the same checkpoint of the
prompted LM (`scripts/train_prompted_lm.py`; the shipped weights with `--weights`): the 4-codebook LM is the same
network with the embedding tables and heads of codebooks 0-3 only. They train in alternating slices on one thread,
on the same batches (2 s windows of NSynth-mini v2 notes and phrases, prompt rows as in training), at the same
learning rate, until each has used `--minutes` of CPU time (`time.thread_time`). Reported: steps per CPU-minute and
held-out CE of codebooks 0-3 (256 v1 valid notes, audio + labels prefix) before and after, and the 8-codebook LM's
CE of codebooks 4-7. Writes benchmarks/results/lm_codebooks_per_cpu_hour.{json,md}.

    python benchmarks/lm_codebooks_per_cpu_hour.py --minutes 12
"""
import argparse, copy, json, sys, time
from pathlib import Path
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'scripts'))
from train_prompted_lm import (new_models, load_ckpt, load_split, batch, prompt_cond_rows, first_codebooks,  # noqa: E402
                               BATCH)
from _common import write_results                                              # noqa: E402


@torch.no_grad()
def val_ce_per_codebook(lm, cond, va, n:int=256) -> list:
    lm.eval(); cond.eval()
    K, total = lm.config.n_q, torch.zeros(lm.config.n_q)
    codes, rows = va['codes'][:n, :K, :150], prompt_cond_rows(va)[:n]
    for i in range(0, n, 32):
        total += lm.loss(codes[i:i + 32], cond(rows[i:i + 32]))['ce'] * len(codes[i:i + 32])
    lm.train(); cond.train()
    return (total / n).tolist()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--minutes', type=float, default=12.0, help='CPU minutes per contestant')
    ap.add_argument('--slice', type=float, default=1.0, help='CPU minutes per alternating slice')
    ap.add_argument('--lr', type=float, default=5e-4)
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'))
    a = ap.parse_args()
    torch.set_num_threads(1); torch.manual_seed(0)
    lm8, cond8 = new_models(8); st = load_ckpt(lm8, cond8)
    lm4, cond4 = first_codebooks(lm8, 4), copy.deepcopy(cond8)
    tr, va = load_split('train', 'v2'), load_split('valid', 'v1')
    runs = {}
    for name, lm, cond in (('K=8', lm8, cond8), ('K=4', lm4, cond4)):
        params = list(lm.parameters()) + list(cond.parameters())
        runs[name] = dict(lm=lm.train(), cond=cond.train(), params=params, cpu=0.0, steps=0, losses=[],
                          opt=torch.optim.AdamW(params, lr=a.lr, betas=(0.9, 0.95), weight_decay=0.01),
                          gen=torch.Generator().manual_seed(1), before=val_ce_per_codebook(lm, cond, va))
        print(name, 'before', np.round(runs[name]['before'], 3), flush=True)
    while any(r['cpu'] < a.minutes * 60 for r in runs.values()):
        for name, r in runs.items():
            t_slice = 0.0
            while r['cpu'] < a.minutes * 60 and t_slice < a.slice * 60:
                codes, rows = batch(tr, BATCH, r['gen'])          # the same batches for both: same generator seed
                t0 = time.thread_time()
                loss = r['lm'].loss(codes[:, :r['lm'].config.n_q], r['cond'](rows))['loss']
                r['opt'].zero_grad(set_to_none=True); loss.backward()
                torch.nn.utils.clip_grad_norm_(r['params'], 1.0); r['opt'].step()
                dt = time.thread_time() - t0
                r['cpu'] += dt; t_slice += dt; r['steps'] += 1; r['losses'].append(float(loss))
            print(f"{name}: {r['steps']} steps, {r['cpu'] / 60:.1f} CPU min, loss {np.mean(r['losses'][-20:]):.3f}", flush=True)
    res = dict(checkpoint_step=st.get('step'), minutes=a.minutes, lr=a.lr, batch=BATCH)
    for name, r in runs.items():
        after = val_ce_per_codebook(r['lm'], r['cond'], va)
        res[name] = dict(steps=r['steps'], cpu_minutes=round(r['cpu'] / 60, 2), steps_per_cpu_minute=round(r['steps'] / (r['cpu'] / 60), 2),
                         ce_before=[round(x, 4) for x in r['before']], ce_after=[round(x, 4) for x in after],
                         coarse_ce_before=round(float(np.mean(r['before'][:4])), 4), coarse_ce_after=round(float(np.mean(after[:4])), 4))
    g8, g4 = (res[k]['coarse_ce_before'] - res[k]['coarse_ce_after'] for k in ('K=8', 'K=4'))
    lines = ["# 4 codebooks or 8: held-out CE of codebooks 0-3 after equal CPU time", "",
             f"From the prompted LM's checkpoint at step {res['checkpoint_step']}; {a.minutes:g} CPU minutes each on one "
             f"thread, same batches, lr {a.lr:g}; script: benchmarks/lm_codebooks_per_cpu_hour.py.", "",
             "| LM | steps per CPU minute | mean CE of codebooks 0-3 before | after | gain (nats) |", "|---|---|---|---|---|"]
    for k, gain in (('K=8', g8), ('K=4', g4)):
        r = res[k]
        lines.append(f"| {k} | {r['steps_per_cpu_minute']:.1f} | {r['coarse_ce_before']:.4f} | {r['coarse_ce_after']:.4f} | {gain:.4f} |")
    res['verdict'] = 'K=4' if res['K=4']['coarse_ce_after'] < res['K=8']['coarse_ce_after'] else 'K=8'
    lines += ["", f"Lower CE on codebooks 0-3 after equal CPU time: **{res['verdict']}** ({res['K=4']['coarse_ce_after']:.4f} "
                  f"with 4 codebooks, {res['K=8']['coarse_ce_after']:.4f} with 8; K=4 runs "
                  f"{res['K=4']['steps_per_cpu_minute'] / res['K=8']['steps_per_cpu_minute']:.2f}x the steps). The 4-codebook LM "
                  f"starts behind: without codebooks 4-7 its inputs lose the fine codes of the frames before, which the "
                  f"8-codebook LM reads as context."]
    write_results(a.out, 'lm_codebooks_per_cpu_hour', res, '\n'.join(lines) + '\n')


if __name__ == '__main__':
    main()
