#!/usr/bin/env python
"""The measures of the prompted LM (issue 35) on held-out NSynth-mini notes, with the codec-reconstruction ceiling.

The codec runs at the LM's K codebooks (the ceiling is what the LM's tokens can hold).

For each held-out note (the v1 test split: notes no model was trained on; `--n-notes` spread over it, default all):
- continuation: the note's first second (codes continued, and its prompt-encoder embedding as the prompt) -> 4 s; pitch
  of the continuation (pYIN median f0 after the prompt) within 50 cents of the prompt's pitch; reported over all
  voiced prompts and over the notes whose codec reconstruction keeps the pitch (the ceiling);
- label-conditioned generation (no audio): 4 s from (pitch, family) of the note; within 50 cents of the asked pitch,
  and octave errors (|error| within 50 cents of +-1200); its ceilings: the note itself and its codec reconstruction
  (both after the first second) within 50 cents of their label;
- audio-prompted generation (the embedding of the note's whole first 2 s, nothing continued): pitch within 50 cents of
  the prompt's; timbre: the generation's mean MFCC (librosa, 20 coefficients without c0, 2 s) is closer (Euclidean) to
  its prompt's than to the prompt of a note of another family with the nearest pitch;
- interpolation A -> B: 15 prefixes interpolated linearly between the embeddings of two held-out notes of one family
  whose pitches differ by >= 5 semitones; Spearman rho of the 15 generations' median MIDI pitch vs step.
Sampling: --temperature, --cfg-scale, --top-k (default: `codectok.bundled.SAMPLING`); seed = note index.

Usage: python benchmarks/eval_prompted_lm.py [--n-notes 48] [--ckpt] [--split test|valid] [--sweep] [--part k/n]
Two cores: `--part 0/2 & --part 1/2`, then `--part 0/2 --merge` (same settings) writes the result (also with --sweep).
`--ckpt` evaluates the training run's last checkpoint (scripts/train_prompted_lm.py) instead of the shipped weights.
`--sweep` measures label following and audio-prompted pitch for a grid of (cfg scale, temperature, top-k) on the
*valid* split (to choose defaults) and writes eval_prompted_lm_sweep.{json,md}.
Writes benchmarks/results/eval_prompted_lm.{json,md}.
"""
import argparse, itertools, json, math, os, sys, time, warnings
from pathlib import Path
import numpy as np
import torch

warnings.filterwarnings('ignore')
sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'scripts'))
from codectok.core import weights_dir, atomic_write
from codectok.codec import get_codec
from codectok.codec_metrics import median_f0, midi_to_hz
from codectok.data import render_nsynth_mini, NSynthDataset
from codectok.gpt import load_codec_lm
from codectok.conditioning import load_conditioner, prompt_cond, LabelConditioner
from codectok.prompting import load_prompt_encoder
from codectok.sampling import generate
from codectok.bundled import SAMPLING

PROMPT_S, TOTAL_S, EMB_S = 1.0, 4.0, 2.0


def cents(f, ref_hz): return 1200 * math.log2(f / ref_hz) if (f == f and f > 0 and ref_hz == ref_hz and ref_hz > 0) else float('nan')
def hz_to_midi(f): return 69 + 12 * math.log2(f / 440) if f == f and f > 0 else float('nan')


def load_models(ckpt:bool, weights=None, n_q:int=8):
    if ckpt:
        from train_prompted_lm import new_models, load_ckpt
        lm, cond = new_models(n_q); st = load_ckpt(lm, cond)
        print(f"checkpoint at step {st.get('step')}", flush=True)
        return lm.eval(), cond.eval()
    wd = Path(weights) if weights else weights_dir()
    return load_codec_lm(wd/'lm.safetensors').eval(), load_conditioner(wd/'lm_conditioner.safetensors').eval()


def notes_of(split:str, n:int|None):
    ds = NSynthDataset(render_nsynth_mini(verbose=False), split)
    idx = range(len(ds)) if not n or n >= len(ds) else np.linspace(0, len(ds) - 1, n).round().astype(int)
    return [ds[int(i)] for i in idx]


def mfcc_mean(wav, sr):
    import librosa
    m = librosa.feature.mfcc(y=np.asarray(wav, dtype=np.float32), sr=sr, n_mfcc=21)[1:]
    return m.mean(1)


class Runner:
    def __init__(self, lm, cond, codec, pe, temperature, cfg_scale, top_k):
        self.lm, self.cond, self.codec, self.pe = lm, cond, codec, pe
        self.kw = dict(temperature=temperature, cfg_scale=cfg_scale, top_k=top_k)
        self.sr = codec.sample_rate

    def embed(self, wav):
        with torch.no_grad(): return self.pe.embed(torch.as_tensor(wav, dtype=torch.float32)[None])[0]

    def gen(self, rows, seed, prompt_wav=None, seconds=TOTAL_S, labels=None, **kw):
        """Decoded audio of one generation from `prompt_cond` rows. An LM with a label conditioner (the v1 LM, for
        comparison) gets the rows' labels, else `labels`; a request it cannot take (a sound alone) gives silence."""
        with torch.no_grad():
            if isinstance(self.cond, LabelConditioner):
                lab = rows[:, -2:].long() if (rows[:, -2:] >= 0).all() else (None if labels is None else torch.tensor([labels]))
                if lab is None: return np.zeros(round(seconds * self.sr), np.float32)
                pre = self.cond(lab)
            else: pre = self.cond(rows)
            prompt = None if prompt_wav is None else self.codec.encode(torch.as_tensor(prompt_wav)[None, None])
            codes = generate(self.lm, round(seconds * self.codec.frame_rate), prompt_codes=prompt, prefix=pre, seed=seed,
                             progress=False, **(self.kw | kw))
            return self.codec.decode(codes)[0, 0].numpy()


def evaluate(a, run:Runner, notes:list, part:tuple=(0, 1)) -> dict:
    "The per-note measures on notes[k::n] for part (k, n) (seed = the note's index), and part 0 the interpolation."
    sr, n_p = run.sr, int(PROMPT_S * run.sr)
    res = dict(settings=dict(temperature=run.kw['temperature'], cfg_scale=run.kw['cfg_scale'], top_k=run.kw['top_k']),
               n_notes=len(notes), notes=[])
    t0 = time.time()
    for i, it in list(enumerate(notes))[part[0]::part[1]]:
        wav, pitch, fam = it['wav'][:int(TOTAL_S * sr)].numpy(), int(it['pitch']), int(it['instrument_family'])
        f_prompt = median_f0(wav[:n_p], sr)
        rec = run.codec.decode(run.codec.encode(torch.as_tensor(wav)[None, None]))[0, 0].numpy()
        r = dict(pitch=pitch, family=fam, prompt_f0=f_prompt, ceiling_f0=median_f0(rec[n_p:], sr),
                 real_f0=median_f0(wav[n_p:], sr))
        emb_prompt, emb_note = run.embed(wav[:n_p]), run.embed(wav[:int(EMB_S * sr)])
        cont = run.gen(prompt_cond(emb_prompt), i, prompt_wav=wav[:n_p])
        r['cont_f0'] = median_f0(cont[n_p:], sr)
        lab = run.gen(prompt_cond(None, pitch, fam, emb_note.shape[0]), i)
        r['label_f0'] = median_f0(lab, sr)
        aud = run.gen(prompt_cond(emb_note), i, seconds=EMB_S)
        r['audio_f0'], r['audio_mfcc'] = median_f0(aud, sr), mfcc_mean(aud, sr).tolist()
        r['prompt_mfcc'] = mfcc_mean(wav[:int(EMB_S * sr)], sr).tolist()
        r['index'] = i
        res['notes'].append(r)
        if len(res['notes']) % 10 == 1: print(f"{len(res['notes'])} of ~{len(notes) // part[1]} notes, {time.time() - t0:.0f} s", flush=True)
    if part[1] == 1: summarise(res)
    if part[0] == 0: res['interpolation'] = interpolation(a, run, notes)
    return res


def rtf(run:Runner, n:int=3) -> dict:
    "Wall time / audio time of 4 s label-conditioned generation + decode (one clip, one thread), best of n, CFG on and off."
    out = {}
    for name, cfg in (('with_cfg', run.kw['cfg_scale']), ('without_cfg', None)):
        ts = []
        for i in range(n):
            t0 = time.perf_counter(); run.gen(prompt_cond(None, 60, 4, run.pe.config.d_model), i, cfg_scale=cfg)
            ts.append(time.perf_counter() - t0)
        out[name] = round(min(ts) / TOTAL_S, 4)
    return out


def merge(parts:list) -> dict:
    "One result from the parts' JSONs: notes in index order, the summary over all, part 0's interpolation."
    res = dict(parts[0]); res['notes'] = sorted((r for p in parts for r in p['notes']), key=lambda r: r['index'])
    summarise(res)
    res['interpolation'] = interp_summary(res['interpolation']['pairs'])
    return res


def summarise(res:dict) -> None:
    ns = res['notes']
    within = lambda f, ref: abs(cents(f, ref)) < 50 if cents(f, ref) == cents(f, ref) else False
    voiced = [r for r in ns if r['prompt_f0'] == r['prompt_f0']]
    kept = [r for r in voiced if within(r['ceiling_f0'], r['prompt_f0'])]
    s = dict(voiced_prompts=len(voiced), ceiling_keeps=len(kept),
             continuation_all=float(np.mean([within(r['cont_f0'], r['prompt_f0']) for r in voiced])),
             continuation_of_kept=float(np.mean([within(r['cont_f0'], r['prompt_f0']) for r in kept])) if kept else float('nan'),
             ceiling=len(kept) / max(1, len(voiced)))
    lab_c = [cents(r['label_f0'], midi_to_hz(r['pitch'])) for r in ns]
    s['label_within_50'] = float(np.mean([abs(c) < 50 if c == c else False for c in lab_c]))
    s['label_octave_errors'] = float(np.mean([abs(abs(c) - 1200) < 50 if c == c else False for c in lab_c]))
    # what the label measure can reach: the held-out notes themselves, and their codec reconstruction, at their label
    s['label_ceiling_notes'] = float(np.mean([within(r['real_f0'], midi_to_hz(r['pitch'])) for r in ns]))
    s['label_ceiling_codec'] = float(np.mean([within(r['ceiling_f0'], midi_to_hz(r['pitch'])) for r in ns]))
    s['audio_within_50'] = float(np.mean([within(r['audio_f0'], r['prompt_f0']) for r in voiced]))
    # timbre: closer to its own prompt than to the prompt of the nearest-pitch note of another family
    wins = []
    for r in ns:
        others = [o for o in ns if o['family'] != r['family']]
        if not others: continue
        o = min(others, key=lambda o: abs(o['pitch'] - r['pitch']))
        g, own, other = (np.array(x) for x in (r['audio_mfcc'], r['prompt_mfcc'], o['prompt_mfcc']))
        wins.append(float(np.linalg.norm(g - own) < np.linalg.norm(g - other)))
    s['timbre_closer_to_own_prompt'] = float(np.mean(wins)) if wins else float('nan')
    # where the misses are: the same shares by register (MIDI pitch below 50, 50-79, 80 and up)
    s['by_register'] = {}
    for name, lo, hi in REGISTERS:
        k = [r for r in kept if lo <= r['pitch'] < hi]; a = [r for r in ns if lo <= r['pitch'] < hi]
        s['by_register'][name] = dict(
            kept=len(k), continuation_of_kept=float(np.mean([within(r['cont_f0'], r['prompt_f0']) for r in k])) if k else float('nan'),
            notes=len(a), label_within_50=float(np.mean([within(r['label_f0'], midi_to_hz(r['pitch'])) for r in a])) if a else float('nan'))
    res['summary'] = s


REGISTERS = (('low (MIDI < 50)', 0, 50), ('middle (50-79)', 50, 80), ('high (>= 80)', 80, 128))


def interpolation(a, run:Runner, notes:list) -> dict:
    from scipy.stats import spearmanr
    sr = run.sr
    pairs, used = [], set()
    for i, x in enumerate(notes):
        for j, y in enumerate(notes):
            if j <= i or i in used or j in used: continue
            if x['instrument_family'] == y['instrument_family'] and abs(int(x['pitch']) - int(y['pitch'])) >= 5:
                pairs.append((i, j)); used |= {i, j}; break
        if len(pairs) >= a.n_pairs: break
    out = []
    for k, (i, j) in enumerate(pairs):
        ea = run.embed(notes[i]['wav'][:int(EMB_S * sr)].numpy()); eb = run.embed(notes[j]['wav'][:int(EMB_S * sr)].numpy())
        mids = []
        for s, w in enumerate(np.linspace(0, 1, 15)):
            g = run.gen(prompt_cond((1 - w) * ea + w * eb), 1000 + k, seconds=1.5)
            mids.append(hz_to_midi(median_f0(g, sr)))
        ok = [m for m in mids if m == m]
        rho = float(spearmanr(np.arange(15)[[m == m for m in mids]], ok).correlation) if len(ok) >= 3 else float('nan')
        sign = 1 if int(notes[j]['pitch']) > int(notes[i]['pitch']) else -1
        out.append(dict(a=int(notes[i]['pitch']), b=int(notes[j]['pitch']), midi=mids, rho=rho * sign))
    return interp_summary(out)


def interp_summary(pairs:list) -> dict:
    """Spearman rho (the issue's measure) and, since pitch is nearly discrete (the blends tend to keep A's note, then
    jump to B's), two plainer ones: the share of pairs whose first and last voiced blends sit within a semitone of A's
    and B's pitch, and the share whose semitone-rounded track never steps back towards A."""
    rhos = [o['rho'] for o in pairs if o['rho'] == o['rho']]
    ends, mono = [], []
    for o in pairs:
        m = [x for x in o['midi'] if x == x]
        if len(m) < 2: ends.append(False); mono.append(False); continue
        ends.append(abs(m[0] - o['a']) < 1 and abs(m[-1] - o['b']) < 1)
        r = np.round(m) * (1 if o['b'] > o['a'] else -1)
        mono.append(bool(np.all(np.diff(r) >= 0)))
    return dict(pairs=pairs, median_rho=float(np.median(rhos)) if rhos else float('nan'),
                share_rho_ge_09=float(np.mean([r >= 0.9 for r in rhos])) if rhos else float('nan'),
                share_ends_at_a_and_b=float(np.mean(ends)) if ends else float('nan'),
                share_monotone_semitones=float(np.mean(mono)) if mono else float('nan'))


SWEEP = [dict(cfg_scale=c, temperature=0.7, top_k=None) for c in (None, 2.0, 3.0, 5.0, 8.0)] + \
        [dict(cfg_scale=5.0, temperature=t, top_k=None) for t in (0.5, 1.0)] + [dict(cfg_scale=5.0, temperature=0.7, top_k=50)]


def sweep(a, lm, cond, codec, pe, notes:list, grid:list=SWEEP) -> dict:
    """For each setting of `SWEEP`, on held-out notes (2 s each): label-conditioned pitch within 50 cents and octave
    errors; audio-prompted pitch within 50 cents of the prompt's; continuation (1 s prompt -> 2 s) within 50 cents."""
    sr, rows = codec.sample_rate, []
    refs = [(it['wav'][:int(EMB_S * sr)].numpy(), int(it['pitch']), int(it['instrument_family'])) for it in notes]
    f_ref = [median_f0(w[:int(PROMPT_S * sr)], sr) for w, _, _ in refs]
    for st in grid:
        run, t0 = Runner(lm, cond, codec, pe, st['temperature'], st['cfg_scale'], st['top_k']), time.time()
        lab, aud, cont = [], [], []
        for i, ((w, pitch, fam), fp) in enumerate(zip(refs, f_ref)):
            e_note, e_prompt = run.embed(w), run.embed(w[:int(PROMPT_S * sr)])
            lab.append(cents(median_f0(run.gen(prompt_cond(None, pitch, fam, e_note.shape[0]), i, seconds=EMB_S), sr),
                             midi_to_hz(pitch)))
            aud.append(cents(median_f0(run.gen(prompt_cond(e_note), i, seconds=EMB_S), sr), fp))
            c = run.gen(prompt_cond(e_prompt), i, prompt_wav=w[:int(PROMPT_S * sr)], seconds=EMB_S, labels=(pitch, fam))
            cont.append(cents(median_f0(c[int(PROMPT_S * sr):], sr), fp))
        ok = lambda xs: float(np.mean([abs(x) < 50 if x == x else False for x in xs]))
        rows.append(st | dict(label_within_50=ok(lab), label_octave_errors=float(np.mean([abs(abs(x) - 1200) < 50 if x == x else False for x in lab])),
                              audio_within_50=ok(aud), continuation_within_50=ok(cont), seconds=round(time.time() - t0, 1)))
        print(rows[-1], flush=True)
    return dict(split=a.split, n_notes=len(notes), rows=rows)


def sweep_table(sw) -> list:
    f = lambda v: '-' if v is None else f'{v:g}'
    return ["| CFG scale | temperature | top-k | label: within 50 cents | label: octave errors | audio prompt: within 50 cents | "
            "continuation: within 50 cents |", "|---|---|---|---|---|---|---|"] + \
           [f"| {f(r['cfg_scale'])} | {f(r['temperature'])} | {f(r['top_k'])} | {r['label_within_50']:.0%} | "
            f"{r['label_octave_errors']:.0%} | {r['audio_within_50']:.0%} | {r['continuation_within_50']:.0%} |" for r in sw['rows']]


def table(res) -> list:
    s, it = res['summary'], res['interpolation']
    br = s['by_register']
    reg = ' / '.join(br)
    cnt = lambda key: ' / '.join(str(r[key]) for r in br.values())
    pct = lambda key: ' / '.join(f"{r[key]:.0%}" for r in br.values())
    return ["| measure | value | target |", "|---|---|---|",
            f"| continuation within 50 cents, notes whose reconstruction keeps the pitch ({s['ceiling_keeps']}) | "
            f"{s['continuation_of_kept']:.0%} | >= 90 % |",
            f"| continuation within 50 cents, all voiced prompts ({s['voiced_prompts']}) | {s['continuation_all']:.0%} | "
            f"(ceiling {s['ceiling']:.0%}) |",
            f"| ... by register, {reg}: notes the codec keeps ({cnt('kept')}) | {pct('continuation_of_kept')} | |",
            f"| label-conditioned: within 50 cents of the asked pitch | {s['label_within_50']:.0%} | >= 85 % |",
            f"| ... by register ({cnt('notes')} notes) | {pct('label_within_50')} | |",
            f"| ... the held-out notes themselves / their codec reconstruction, at their label (the measure's ceilings) | "
            f"{s['label_ceiling_notes']:.0%} / {s['label_ceiling_codec']:.0%} | |",
            f"| label-conditioned: octave errors | {s['label_octave_errors']:.1%} | <= 5 % |",
            f"| audio-prompted: within 50 cents of the prompt's pitch | {s['audio_within_50']:.0%} | >= 75 % |",
            f"| audio-prompted: timbre closer to own prompt than to another family's | "
            f"{s['timbre_closer_to_own_prompt']:.0%} | >= 70 % |",
            f"| interpolation A->B (15 steps): median Spearman rho over {len(it['pairs'])} pairs | {it['median_rho']:.2f} | >= 0.9 |",
            f"| interpolation A->B: share of pairs with rho >= 0.9 | {it['share_rho_ge_09']:.0%} | |",
            f"| interpolation A->B: first blend at A's pitch and last at B's (within a semitone) | {it['share_ends_at_a_and_b']:.0%} | |",
            f"| interpolation A->B: semitone-rounded pitch never steps back towards A | {it['share_monotone_semitones']:.0%} | |"] + \
           ([f"| generate + decode, 4 s, one thread: real-time factor (CFG on / off) | {res['rtf']['with_cfg']:.3f} / "
             f"{res['rtf']['without_cfg']:.3f} | <= 0.25 |"] if 'rtf' in res else [])


def _source(a) -> str:
    "Which LM was measured: the checkpoint, a weights folder, or the bundled one with its steps (read from its card)."
    if a.ckpt or a.weights: return 'checkpoint' if a.ckpt else a.weights
    card = json.loads((weights_dir()/'lm.card.json').read_text())
    return f"bundled (LM step {card['steps']})"


def _grid(v:str):
    "argparse type for --grid: 'full', or the guidance scales to sweep at T 0.7 (None = off)."
    named = dict(cfg='off,3,5', guidance='3,5,8')
    if v == 'full': return v
    try: return [None if x == 'off' else float(x) for x in named.get(v, v).split(',')]
    except ValueError: raise argparse.ArgumentTypeError(f"expected full, cfg, guidance or scales like 'off,5,8', got {v!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n-notes', type=int, default=0, help='0: every note of the split')
    ap.add_argument('--n-pairs', type=int, default=8)
    ap.add_argument('--split', default='test')
    ap.add_argument('--ckpt', action='store_true')
    ap.add_argument('--n-q', type=int, default=8, choices=(4, 8), help='--ckpt: the run of the LM of 4 or 8 codebooks')
    ap.add_argument('--publish', action='store_true', help='also write the compact figures to codectok/results (the chapters read them)')
    ap.add_argument('--part', default='0/1', help='k/n: this process measures notes k, k+n, ... (n processes in parallel)')
    ap.add_argument('--merge', action='store_true', help='with --part 0/n: merge the n parts written before')
    ap.add_argument('--grid', default='full', type=_grid,
                    help="--sweep: 'full' (every setting), or guidance scales at T 0.7: 'cfg' (off, 3, 5), "
                         "'guidance' (3, 5, 8) or a list such as 'off,5,8'")
    ap.add_argument('--resummarise', action='store_true', help='recompute the summary and tables from the saved '
                    'per-note results (no generation; keeps their interpolation and real-time factors)')
    ap.add_argument('--sweep', action='store_true', help='the settings grid on --split (use valid) instead of the measures')
    ap.add_argument('--weights', default=None)
    ap.add_argument('--temperature', type=float, default=SAMPLING['temperature'], help='default: the bundled default')
    ap.add_argument('--cfg-scale', type=float, default=SAMPLING['cfg_scale'], help='default: the bundled default; 1: off')
    ap.add_argument('--top-k', type=int, default=SAMPLING['top_k'])
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--name', default='eval_prompted_lm')
    ap.add_argument('--out', default=str(Path(__file__).parent/'results'))
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    if a.resummarise and not (out/f'{a.name}.json').is_file():
        ap.error(f"--resummarise reads the saved results {out/f'{a.name}.json'}, which do not exist; run the measures first.")
    lm, cond = (None, None) if a.resummarise and not a.sweep else load_models(a.ckpt, a.weights, a.n_q)
    if a.sweep:
        grid = SWEEP if a.grid == 'full' else [dict(cfg_scale=c, temperature=0.7, top_k=None) for c in a.grid]
        k, n = (int(x) for x in a.part.split('/'))
        if a.merge:                             # the parts' rows, in the grid's order
            parts = [json.loads((out/f'{a.name}_sweep.part{i}of{n}.json').read_text()) for i in range(n)]
            rows = [None] * len(grid)
            for i, p in enumerate(parts): rows[i::n] = p['rows']          # part i measured settings i, i+n, ...
            sw = dict(parts[0], rows=rows)
        else:
            sw = sweep(a, lm, cond, get_codec('mini', n_q=lm.config.n_q), load_prompt_encoder(),
                       notes_of(a.split, a.n_notes), grid[k::n])
        if n > 1 and not a.merge:               # one of n processes: settings k, k+n, ...
            atomic_write(out/f'{a.name}_sweep.part{k}of{n}.json', lambda t: Path(t).write_text(json.dumps(sw)))
            print(f"wrote sweep part {k} of {n}; when all are done: --sweep --part 0/{n} --merge"); return
        sw['source'] = _source(a)
        lines = [f"# Prompted LM: sampling settings on the {a.split} split ({sw['n_notes']} notes, 2 s each)", "",
                 f"Models: {sw['source']}; script: benchmarks/eval_prompted_lm.py --sweep.", ""] + sweep_table(sw)
        atomic_write(out/f'{a.name}_sweep.json', lambda t: Path(t).write_text(json.dumps(sw, indent=1)))
        if a.publish:
            pub = Path(__file__).resolve().parent.parent/'codectok'/'results'
            atomic_write(pub/f'{a.name}_sweep.json', lambda t: Path(t).write_text(json.dumps(sw, indent=1)))
        atomic_write(out/f'{a.name}_sweep.md', lambda t: Path(t).write_text('\n'.join(lines) + '\n'))
        print('\n'.join(lines)); return
    if a.resummarise:                          # the saved per-note results: no models, no generation
        res = json.loads((out/f'{a.name}.json').read_text()); summarise(res)
    else:
        run = Runner(lm, cond, get_codec('mini', n_q=lm.config.n_q), load_prompt_encoder(), a.temperature,
                     None if a.cfg_scale in (0, 1) else a.cfg_scale, a.top_k)
        k, n = (int(x) for x in a.part.split('/'))
        if n > 1 and not a.merge:              # one of n processes: write its part, merge later
            res = evaluate(a, run, notes_of(a.split, a.n_notes), (k, n))
            atomic_write(out/f'{a.name}.part{k}of{n}.json', lambda t: Path(t).write_text(json.dumps(res)))
            print(f"wrote part {k} of {n}; when all are done: --part 0/{n} --merge"); return
        if a.merge:
            paths = [out/f'{a.name}.part{i}of{n}.json' for i in range(n)]
            res = merge([json.loads(p.read_text()) for p in paths])
        else: res = evaluate(a, run, notes_of(a.split, a.n_notes))
        res['split'], res['source'] = a.split, _source(a)
        res['rtf'] = rtf(run)
    lines = [f"# Prompted LM: the measures of issue 35 ({res['split']} split, {res['n_notes']} notes)", "",
             f"Settings: T={res['settings']['temperature']}, CFG scale {res['settings']['cfg_scale']}, "
             f"top-k {res['settings']['top_k']}; "
             f"models: {res['source']}; script: benchmarks/eval_prompted_lm.py.", ""] + table(res)
    atomic_write(out/f'{a.name}.json', lambda t: Path(t).write_text(json.dumps(res, indent=1)))
    if a.publish:                              # the figures the chapters show, shipped with the package
        keep = {k: res[k] for k in ('split', 'source', 'n_notes', 'settings', 'summary', 'rtf')}
        keep['interpolation'] = {k: v for k, v in res['interpolation'].items() if k != 'pairs'} | dict(
            pairs=[{k: v for k, v in q.items() if k != 'midi'} for q in res['interpolation']['pairs']])
        pub = Path(__file__).resolve().parent.parent/'codectok'/'results'
        atomic_write(pub/f'{a.name}.json', lambda t: Path(t).write_text(json.dumps(keep, indent=1)))
    atomic_write(out/f'{a.name}.md', lambda t: Path(t).write_text('\n'.join(lines) + '\n'))
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
