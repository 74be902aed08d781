"""Bundled LM v2: prompted by an audio embedding as the blog does, trained on NSynth-mini v2 (every playable pitch,
seven velocities, 1,500 phrases: about 10x the notes of v1), in several resumable CPU runs.

    python scripts/train_prompted_lm.py data                  # render + encode + embed once (sharded cache, resumable)
    nohup python scripts/train_prompted_lm.py train --minutes 120 &   # resumes from the last checkpoint in the cache
    python scripts/train_prompted_lm.py ship                  # weights/lm.safetensors + lm_conditioner + lm.card.json
    python scripts/train_prompted_lm.py train --n-q 4 ...     # the LM of the first 4 codebooks (3 kbps), its own run
    python scripts/train_prompted_lm.py ship --n-q 4

The LM warm-starts from the shipped LM (same backbone, tokens and heads; a 4-codebook run from its first 4 tables).
Its prefix is two vectors from `PromptConditioner`: the projected mean-pooled embedding of the bundled prompt encoder,
and an optional label vector (pitch + family); each part is dropped at random during training, and the whole prefix
with `cond_dropout` (CFG).
Batches are random 2 s windows of whole notes (half of them from the onset) and of phrases, not only the first 2 s.
Checkpoints (weights as safetensors, the optimizer with `torch.save`, loaded with `weights_only=True`) go to the cache
every few minutes; a run stops at `--minutes` and the next one resumes. While `/tmp/codectok_quiet` exists (someone is
timing a benchmark), training sleeps.
"""
from __future__ import annotations
import argparse, hashlib, json, math, os, sys, time, warnings
from pathlib import Path
import numpy as np
import torch

warnings.filterwarnings('ignore')
sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_bundled import codec_tag, _encode_all, _write_card, _rounded, LM_FRAMES   # noqa: E402
from codectok.core import weights_dir, cache_dir, set_seed, atomic_write, verify_cached, write_cached  # noqa: E402

SPLITS = ('train', 'valid', 'test')
V2 = dict(pitch_step=1, velocities=(40, 55, 70, 85, 100, 115, 127), n_phrases=1500)
V2_SKIP = {78}     # the whistle: its sample is silent at the top of its declared range (MIDI 79-80)
PE_FRAMES, SHARD = 150, 1024
TOTAL_STEPS, WARMUP, PEAK_LR, BATCH = 12_000, 300, 1e-3, 16


def pe_tag() -> str:
    "Short hash of the shipped prompt encoder file (the embeddings depend on it)."
    return hashlib.sha1((weights_dir()/'prompt_encoder.safetensors').read_bytes()).hexdigest()[:8]


def data_dir(version:str='v2') -> Path: return cache_dir('tokens', f'nsynth_mini_{version}_{codec_tag()}_{pe_tag()}')


def _embed(pe, wavs) -> torch.Tensor:
    "(n, D) prompt embeddings of the first 2 s of each waveform (zero-padded when shorter), in batches of 32."
    S = PE_FRAMES * 320
    with torch.inference_mode():
        x = torch.stack([torch.nn.functional.pad(torch.as_tensor(w[:S], dtype=torch.float32), (0, max(0, S - len(w))))
                         for w in wavs])
        return torch.cat([pe.embed(c) for c in x.split(32)])


def data_v1(verbose:bool=True) -> Path:
    "The same shards for NSynth-mini v1 (the data of the shipped models): its cached tokens + prompt embeddings."
    from train_bundled import tokens
    from codectok.data import render_nsynth_mini, NSynthDataset, PhraseDataset
    from codectok.prompting import load_prompt_encoder
    from codectok.conditioning import family_index
    from safetensors.torch import save_file
    tok, root, pe, out = tokens(verbose=False), render_nsynth_mini(verbose=False), load_prompt_encoder(), data_dir('v1')
    embed = lambda wavs: _embed(pe, wavs)
    for s in SPLITS:
        path = out/f'{s}_notes_000.safetensors'
        if not verify_cached(path):
            ds = NSynthDataset(root, s)
            flat = dict(codes=tok[s]['notes'].short(), emb=embed([ds[i]['wav'] for i in range(len(ds))]).half(),
                        labels=tok[s]['labels'])
            write_cached(path, lambda tmp: save_file({k: v.contiguous() for k, v in flat.items()}, tmp))
        path = out/f'{s}_phrases.safetensors'
        if not verify_cached(path):
            ph = PhraseDataset(root, s)
            items = [ph[i] for i in range(len(ph))]
            flat = {f'codes/{i:04d}': c.short() for i, c in enumerate(tok[s]['phrases'])}
            flat |= dict(emb=embed([it['wav'] for it in items]).half(),
                         family=torch.tensor([family_index(it['instrument_family_str']) for it in items]))
            write_cached(path, lambda tmp: save_file({k: v.contiguous() for k, v in flat.items()}, tmp))
        if verbose: print(f"v1 {s} done", flush=True)
    return out


def data(verbose:bool=True, splits:tuple=SPLITS) -> Path:
    """Render NSynth-mini v2 note by note in memory (no WAV files: 30k notes would be 6 GB), encode each with the shipped
    codec and embed it with the prompt encoder, in shards of the plan's order; a killed run resumes at the next shard.
    Notes the soundfont renders silent (a sample missing at the edge of an instrument's range) are skipped and counted."""
    from codectok.data import nsynth_mini_plan, render_note, render_phrase, _phrase_plan, _GM_FAMILY
    from codectok.codec import get_codec
    from codectok.prompting import load_prompt_encoder
    from codectok.conditioning import family_index
    from safetensors.torch import save_file
    t0, programs = time.time(), sorted(set(_GM_FAMILY) - V2_SKIP)
    plan = nsynth_mini_plan(0, programs, V2['pitch_step'], V2['velocities'])
    codec, pe, out = get_codec('mini', n_q=8), load_prompt_encoder(), data_dir()
    embed = lambda wavs: _embed(pe, wavs)
    skipped = 0
    for s in splits:
        notes = [n for n in plan if n['split'] == s]
        for j, lo in enumerate(range(0, len(notes), SHARD)):
            path = out/f'{s}_notes_{j:03d}.safetensors'
            if verify_cached(path): continue
            wavs, labels = [], []
            for n in notes[lo:lo + SHARD]:
                try: wavs.append(render_note(n['program'], n['pitch'], n['velocity']))
                except ValueError: skipped += 1; continue                 # silent render
                labels.append([n['pitch'], n['instrument_family']])
            flat = dict(codes=torch.stack(_encode_all(codec, wavs)).short(), emb=embed(wavs).half(), labels=torch.tensor(labels))
            write_cached(path, lambda tmp: save_file({k: v.contiguous() for k, v in flat.items()}, tmp))
            if verbose: print(f"{s} notes shard {j}: {len(wavs)} in {time.time() - t0:.0f} s ({skipped} silent so far)", flush=True)
        path = out/f'{s}_phrases.safetensors'
        if not verify_cached(path):
            phrases = [p for p in _phrase_plan(0, V2['n_phrases'], programs, (0.8, 0.1, 0.1), 24_000) if p['split'] == s]
            wavs, fams = [], []
            for p in phrases:
                try: wavs.append(torch.as_tensor(render_phrase(p)))
                except ValueError: skipped += 1; continue
                fams.append(family_index(p['instrument_family_str']))
            flat = {f'codes/{i:04d}': c.short() for i, c in enumerate(_encode_all(codec, wavs))}
            flat |= dict(emb=embed(wavs).half(), family=torch.tensor(fams))
            write_cached(path, lambda tmp: save_file({k: v.contiguous() for k, v in flat.items()}, tmp))
            if verbose: print(f"{s} phrases: {len(wavs)} in {time.time() - t0:.0f} s", flush=True)
    return out


def load_split(split:str, version:str='v2') -> dict:
    "{'codes': (n, 8, 300) long, 'emb': (n, D) float, 'labels': (n, 2), 'phrases': [(8, T)], 'phrase_emb', 'phrase_family'}."
    from safetensors.torch import load_file
    d = data_dir(version)
    shards = sorted(d.glob(f'{split}_notes_*.safetensors'))
    if not shards: raise FileNotFoundError(f"no v2 tokens in {d}; run `python scripts/train_prompted_lm.py data` first.")
    parts = [load_file(str(p)) for p in shards]
    pp = d/f'{split}_phrases.safetensors'
    ph = load_file(str(pp)) if pp.is_file() else dict(emb=torch.zeros(0, parts[0]['emb'].shape[1]), family=torch.zeros(0))
    return dict(codes=torch.cat([p['codes'] for p in parts]).long(), emb=torch.cat([p['emb'] for p in parts]).float(),
                labels=torch.cat([p['labels'] for p in parts]).long(),
                phrases=[ph[k].long() for k in sorted(k for k in ph if k.startswith('codes/'))],
                phrase_emb=ph['emb'].float(), phrase_family=ph['family'].long())


def batch(split:dict, B:int, g:torch.Generator, W:int=LM_FRAMES, p_phrase:float=0.25, p_onset:float=0.5) -> tuple:
    "B random W-frame windows: phrases (share `p_phrase`) and notes (share `p_onset` of them from the onset); `prompt_cond` rows."
    from codectok.conditioning import prompt_cond
    codes, rows = [], []
    n_ph = len(split['phrases'])
    for _ in range(B):
        if n_ph and torch.rand(1, generator=g).item() < p_phrase:
            i = int(torch.randint(n_ph, (1,), generator=g)); c = split['phrases'][i]
            t0 = int(torch.randint(c.shape[1] - W + 1, (1,), generator=g)) if c.shape[1] > W else 0
            codes.append(torch.nn.functional.pad(c[:, t0:t0 + W], (0, max(0, W - c.shape[1])), value=0))
            rows.append(torch.cat([split['phrase_emb'][i], torch.tensor([-1.0, float(split['phrase_family'][i])])]))
        else:
            i = int(torch.randint(len(split['codes']), (1,), generator=g)); c = split['codes'][i]
            t0 = 0 if torch.rand(1, generator=g).item() < p_onset else int(torch.randint(c.shape[1] - W + 1, (1,), generator=g))
            codes.append(c[:, t0:t0 + W])
            rows.append(prompt_cond(split['emb'][i], int(split['labels'][i, 0]), int(split['labels'][i, 1]))[0])
    return torch.stack(codes), torch.stack(rows)


def first_codebooks(lm, K:int):
    "A copy of `lm` that models only codebooks 0..K-1: its embedding tables and heads for those codebooks."
    import dataclasses
    from codectok.gpt import CodecLM
    small, V = CodecLM(dataclasses.replace(lm.config, n_q=K)), lm.config.vocab_per_codebook
    small.load_state_dict({k: (v[:K * V] if k in ('emb.weight', 'head.weight', 'head.bias') else v)
                           for k, v in lm.state_dict().items()})
    return small


def new_models(n_q:int|None=None):
    """The shipped LM (warm start; its first `n_q` codebooks when given) and a `PromptConditioner`: the shipped one when
    it is one, else one whose label tables start from the shipped label conditioner (v1)."""
    from codectok.gpt import load_codec_lm
    from codectok.conditioning import PromptConditioner, load_conditioner
    from codectok.prompting import load_prompt_encoder
    lm = load_codec_lm(weights_dir()/'lm.safetensors').float()
    if n_q and n_q < lm.config.n_q: lm = first_codebooks(lm, n_q)
    elif n_q and n_q > lm.config.n_q:               # a run of more codebooks than the shipped LM: its checkpoint has them
        if not (run_dir(n_q)/'state.json').is_file():
            raise SystemExit(f"--n-q {n_q}: the shipped LM has only {lm.config.n_q} codebooks and there is no {n_q}-codebook run to resume.")
        import dataclasses
        from codectok.gpt import CodecLM
        lm = CodecLM(dataclasses.replace(lm.config, n_q=n_q))        # the weights come from `load_ckpt`
    old = load_conditioner(weights_dir()/'lm_conditioner.safetensors')
    if isinstance(old, PromptConditioner): return lm, old.float().train()
    cond = PromptConditioner(lm.config.n_embd, load_prompt_encoder().config.d_model)
    if hasattr(old, 'pitch_emb'):
        with torch.no_grad():
            cond.labels.pitch_emb.weight.copy_(old.pitch_emb.weight); cond.labels.family_emb.weight.copy_(old.family_emb.weight)
    return lm, cond


def run_dir(n_q:int=8) -> Path:
    "The checkpoint folder of the run that models `n_q` codebooks (8: the original run)."
    return cache_dir('runs', f'prompted_lm_{codec_tag()}' + ('' if n_q == 8 else f'_k{n_q}'))


def _save_ckpt(lm, cond, opt, state:dict):
    from safetensors.torch import save_file
    d = run_dir(lm.config.n_q)
    sd = {f'lm.{k}': v.detach().contiguous() for k, v in lm.state_dict().items()}
    sd |= {f'cond.{k}': v.detach().contiguous() for k, v in cond.state_dict().items()}
    atomic_write(d/'last.safetensors', lambda tmp: save_file(sd, tmp))
    atomic_write(d/'last_opt.pt', lambda tmp: torch.save(opt.state_dict(), tmp))
    atomic_write(d/'state.json', lambda tmp: Path(tmp).write_text(json.dumps(state, indent=1)))


def load_ckpt(lm, cond, opt=None) -> dict:
    "Load the last checkpoint into `lm`, `cond` (and `opt`); {} when there is none."
    from safetensors.torch import load_file
    d = run_dir(lm.config.n_q)
    if not (d/'state.json').is_file(): return {}
    sd = load_file(str(d/'last.safetensors'))
    lm.load_state_dict({k[3:]: v for k, v in sd.items() if k.startswith('lm.')})
    cond.load_state_dict({k[5:]: v for k, v in sd.items() if k.startswith('cond.')})
    if opt is not None: opt.load_state_dict(torch.load(d/'last_opt.pt', weights_only=True))
    return json.loads((d/'state.json').read_text())


def lr_at(step:int, total:int=TOTAL_STEPS, restart:tuple|None=None) -> float:
    """Linear warm-up, then cosine from the peak to a tenth of `PEAK_LR` at `total` steps.
    `restart=(step0, peak)`: a new cosine from `peak` at `step0` (50 warm-up steps), for a run that extends the schedule."""
    s0, peak, wu = (0, PEAK_LR, WARMUP) if restart is None else (restart[0], restart[1], 50)
    if step < s0 + wu: return peak * (step - s0 + 1) / wu
    t = min(1.0, (step - s0 - wu) / max(1, total - s0 - wu))
    floor = 0.1 * PEAK_LR
    return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * t))


@torch.no_grad()
def val_ce(lm, cond, split:dict, n:int=256) -> dict:
    "Held-out CE (first 2 s of n notes) with audio+labels, audio only, labels only, and the null prefix."
    from codectok.conditioning import prompt_cond
    lm.eval(); cond.eval()
    codes, emb, lab = split['codes'][:n, :lm.config.n_q, :LM_FRAMES], split['emb'][:n], split['labels'][:n]
    rows = {'audio+labels': prompt_cond_rows(split)[:n],
            'audio': prompt_cond(emb), 'labels': prompt_cond(None, lab[:, 0].tolist(), lab[:, 1].tolist(), emb.shape[1])}
    out = {}
    for k, r in rows.items():
        out[k] = float(np.mean([float(lm.loss(codes[i:i + 32], cond(r[i:i + 32]))['loss']) for i in range(0, n, 32)]))
    out['null'] = float(np.mean([float(lm.loss(codes[i:i + 32], lm.null_prefix(len(codes[i:i + 32]), 2))['loss'])
                                 for i in range(0, n, 32)]))
    lm.train(); cond.train()
    return out


def _quiet_wait():
    "Sleep while /tmp/codectok_quiet exists (and is younger than 20 min): someone is timing a benchmark."
    q = Path('/tmp/codectok_quiet')
    while q.exists() and time.time() - q.stat().st_mtime < 1200: time.sleep(5)


def train(minutes:float, seed:int=0, ckpt_minutes:float=5.0, val_every:int=500, data_version:str='v2',
          total_steps:int|None=None, p_phrase:float=0.25, p_onset:float=0.5, p_drop_audio:float|None=None,
          restart_lr:float|None=None, n_q:int=8, p_drop_labels:float|None=None) -> dict:
    lm, cond = new_models(n_q)
    lm.train(); cond.train()
    params = list(lm.parameters()) + list(cond.parameters())
    opt = torch.optim.AdamW(params, lr=PEAK_LR, betas=(0.9, 0.95), weight_decay=0.01)
    state = load_ckpt(lm, cond, opt) or dict(step=0, wall_minutes=0.0, runs=[], log=[], n_q=lm.config.n_q,
                                             init_card=_shipped_card())
    if restart_lr and state.get('restart'):                  # the schedule this run ends, kept for the card
        state.setdefault('restarts', []).append(state['restart'][:2] + [state.get('total_steps', TOTAL_STEPS)])
    if total_steps: state['total_steps'] = total_steps       # the schedule's length, kept by the runs that follow
    total = state.setdefault('total_steps', TOTAL_STEPS)
    if restart_lr: state['restart'] = [state['step'], restart_lr]     # a new cosine from here to `total`
    restart = tuple(state['restart']) if state.get('restart') else None
    if p_drop_audio is not None: state['p_drop_audio'] = p_drop_audio  # kept by the runs that follow
    if p_drop_labels is not None: state['p_drop_labels'] = p_drop_labels
    cond.p_drop_audio = state.get('p_drop_audio', cond.p_drop_audio)
    cond.p_drop_labels = state.get('p_drop_labels', cond.p_drop_labels)
    tr, va = load_split('train', data_version), load_split('valid', 'v1')    # one fixed validation set for every run
    state.setdefault('data', []).append(dict(step=state['step'], data=data_version, notes=len(tr['codes']),
                                             p_phrase=p_phrase, p_onset=p_onset, p_drop_audio=cond.p_drop_audio,
                                             p_drop_labels=cond.p_drop_labels))
    g = torch.Generator().manual_seed(seed * 100_003 + state['step'])       # a resumed run draws new batches
    t_start, t_ck, step0, losses = time.time(), time.time(), state['step'], []
    print(f"train: {len(tr['codes'])} notes + {len(tr['phrases'])} phrases; resuming at step {step0}", flush=True)
    while state['step'] < total and time.time() - t_start < minutes * 60:
        _quiet_wait()
        codes, rows = batch(tr, BATCH, g, p_phrase=p_phrase, p_onset=p_onset)
        for pg in opt.param_groups: pg['lr'] = lr_at(state['step'], total, restart)
        loss = lm.loss(codes[:, :lm.config.n_q], cond(rows))['loss']
        opt.zero_grad(set_to_none=True); loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0); opt.step()
        state['step'] += 1; losses.append(float(loss))
        if state['step'] % 50 == 0:
            print(f"step {state['step']} loss {np.mean(losses[-50:]):.3f} lr {lr_at(state['step'], total, restart):.2e} "
                  f"({(time.time() - t_start) / max(1, state['step'] - step0):.2f} s/step)", flush=True)
        if state['step'] % val_every == 0:
            v = val_ce(lm, cond, va); state['log'].append(dict(step=state['step'], train=float(np.mean(losses[-100:])), **v))
            print('val', json.dumps(_rounded(v)), flush=True)
        if time.time() - t_ck > ckpt_minutes * 60:
            state['wall_minutes'] += (time.time() - t_ck) / 60; t_ck = time.time(); _save_ckpt(lm, cond, opt, state)
    state['wall_minutes'] += (time.time() - t_ck) / 60
    state['runs'].append(dict(steps=state['step'] - step0, minutes=round((time.time() - t_start) / 60, 1)))
    _save_ckpt(lm, cond, opt, state)
    print(f"stopped at step {state['step']} ({state['wall_minutes']:.0f} min of training in all)", flush=True)
    return state


def _shipped_card() -> dict:
    "What a run that starts from the shipped LM keeps of its card: steps, minutes, history and commands."
    card = json.loads((weights_dir()/'lm.card.json').read_text())
    return {k: card.get(k) for k in ('steps', 'wall_minutes', 'history', 'commands')}


def ship(out:Path|None=None, n_q:int=8) -> dict:
    """Write the last checkpoint as the bundled LM: `lm.safetensors` (fp16) + `lm_conditioner.safetensors` + `lm.card.json`
    (with its test figures on the v1 test split, the data, the steps and the commands), atomically each."""
    from codectok.gpt import save_codec_lm
    from codectok.conditioning import save_conditioner
    from train_bundled import _per_codebook_ce, _unigram
    from codectok.bundled import SAMPLING
    out = Path(out) if out else weights_dir()
    lm, cond = new_models(n_q); st = load_ckpt(lm, cond)
    if not st: raise SystemExit(f"no checkpoint in {run_dir(n_q)}; run the train job first.")
    K, init = lm.config.n_q, st.get('init_card') or {}
    lm.eval(); cond.eval()
    te = load_split('test', 'v1')
    ce = val_ce(lm, cond, te, n=len(te['codes'])); lm.eval(); cond.eval()
    rows = prompt_cond_rows(te)
    fig = dict(test_ce_audio_labels=ce['audio+labels'], test_ce_audio=ce['audio'], test_ce_labels=ce['labels'],
               test_ce_null_prefix=ce['null'],
               test_ce_per_codebook=_per_codebook_ce(lm, te['codes'][:, :K, :LM_FRAMES], cond, rows),
               unigram_entropy=_unigram(te['codes'][:, :K, :LM_FRAMES], lm.config.codebook_size))
    save_codec_lm(lm, out/'lm.safetensors', half=True)
    save_conditioner(cond, out/'lm_conditioner.safetensors')
    c, n_params = lm.config, sum(p.numel() for p in lm.parameters())
    notes = {d['data']: d['notes'] for d in st.get('data', [])}
    _write_card(out/'lm.card.json', dict(
        model=f"CodecLM: GPT-2 backbone {c.n_layer} layers x {c.n_embd} wide, {c.n_head} heads, K={c.n_q} x "
              f"(N+1)={c.vocab_per_codebook} embedding rows and heads, {c.pattern} pattern; PromptConditioner prefix "
              f"(the bundled prompt encoder's mean-pooled embedding of a sound, projected; + optional pitch/family "
              f"labels: 2 vectors, each part dropped at random in training), condition dropout {c.cond_dropout} (CFG); "
              f"{n_params / 1e6:.2f}M weights, fp16 on disk",
        codec='mini',
        data=f"NSynth-mini v2 (every playable pitch x 7 velocities of every GM program with a family, + phrases): "
             f"{notes.get('v2', 0)} train notes, random 2 s windows of notes and phrases, of mini-codec tokens "
             f"(codec {codec_tag()}); prompt encoder {pe_tag()}",
        steps=st['step'] + init.get('steps', 0), batch=BATCH, lr=PEAK_LR,
        wall_minutes=round(st['wall_minutes'] + init.get('wall_minutes', 0), 1), figures=fig, sampling_defaults=SAMPLING,
        history=(f"{init['history']}; then (step {init['steps']}) codebooks 0-{K - 1} only, embeddings and heads sliced "
                 f"from it: {st['step']} steps, " + _data_history(st, init['steps']) + _restart_history(st, init['steps'])) if init else
                f"warm start from the label-conditioned LM v1 (8,090 steps on 2,290 notes); "
                + _data_history(st) + _restart_history(st),
        commands=[c for c in init['commands'] if not c.endswith(' ship')]
                 + [f"python scripts/train_prompted_lm.py train --n-q {K} --data v2 --minutes 80 --total-steps "
                    f"{end} --p-onset 0.8 --p-phrase 0.1 --p-drop-audio {d.get('p_drop_audio', 0.2):g} "
                    + (f"--p-drop-labels {d['p_drop_labels']:g} " if 'p_drop_labels' in d else '')
                    + f"--restart-lr {peak:g}  # from step {s0 + init['steps']}; resumed runs keep these"
                    for s0, peak, end, d in _k_runs(st)]
                 + [f"python scripts/train_prompted_lm.py ship --n-q {K}"] if init else ["python scripts/train_prompted_lm.py data",
                  "python scripts/train_prompted_lm.py train --data v2 --minutes 115 --total-steps 4000  # resumed runs",
                  "python scripts/train_prompted_lm.py train --data v2 --minutes 60 --p-phrase 0.1 --p-onset 0.8  # to step 3654"]
                 + ([f"python scripts/train_prompted_lm.py train --data v2 --minutes 80 --total-steps {st['total_steps']} "
                     f"--p-onset 0.8 --p-phrase 0.1 --p-drop-audio {st.get('p_drop_audio', 0.2):g} "
                     f"--restart-lr {st['restart'][1]:g}  # from step {st['restart'][0]} (resumed runs keep these)"]
                    if st.get('restart') else [])
                 + ["python scripts/train_prompted_lm.py ship"]))
    return fig


def _data_history(st:dict, offset:int=0) -> str:
    "The card's words for the data each run of a checkpoint trained on (steps counted from `offset`)."
    return "; ".join(f"{d['data']} data from step {d['step'] + offset}" + (
        f" (windows: {d['p_phrase']:.0%} phrases, {d['p_onset']:.0%} of note windows at the onset"
        + (f"; sound dropped {d['p_drop_audio']:.0%}" if 'p_drop_audio' in d else '')
        + (f", labels {d['p_drop_labels']:.0%}" if 'p_drop_labels' in d else '') + ")"
        if 'p_onset' in d else '') for d in st.get('data', []))


def _restart_history(st:dict, offset:int=0) -> str:
    "The card's words for each new cosine of a checkpoint's runs (the ended ones in `restarts`, then the current)."
    rs = st.get('restarts', []) + ([st['restart'][:2] + [st['total_steps']]] if st.get('restart') else [])
    return "".join(f"; a new cosine from lr {peak:g} at step {s0 + offset} to step {end + offset}" for s0, peak, end in rs)


def _k_runs(st:dict) -> list:
    "(step0, peak, end, data entry) of each cosine of a checkpoint's runs: one command line each on the card."
    rs = st.get('restarts', []) + [(st.get('restart') or [0, PEAK_LR])[:2] + [st['total_steps']]]
    return [(s0, peak, end, next((d for d in st['data'] if d['step'] >= s0), st['data'][-1])) for s0, peak, end in rs]


def prompt_cond_rows(split:dict):
    "`prompt_cond` rows (embedding + labels) of every note of a `load_split` split."
    from codectok.conditioning import prompt_cond
    return prompt_cond(split['emb'], split['labels'][:, 0].tolist(), split['labels'][:, 1].tolist())


def _probability(v:str) -> float:
    "argparse type: a number in [0, 1]."
    try: x = float(v)
    except ValueError: x = -1.0
    if not 0 <= x <= 1: raise argparse.ArgumentTypeError(f"expected a probability between 0 and 1, got {v!r}")
    return x


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('job', choices=('data', 'data-v1', 'train', 'val', 'ship'))
    ap.add_argument('--data', default='v2', choices=('v1', 'v2'), help='train: which shards (v1 = the shipped models\' data)')
    ap.add_argument('--minutes', type=float, default=60)
    ap.add_argument('--total-steps', type=int, default=None, help='train: length of the LR schedule (kept in state.json)')
    ap.add_argument('--p-phrase', type=float, default=0.25, help='train: share of windows cut from phrases')
    ap.add_argument('--p-onset', type=float, default=0.5, help='train: share of note windows that start at the onset')
    ap.add_argument('--p-drop-audio', type=_probability, default=None, help="train: how often a sound's embedding is dropped (kept in state.json)")
    ap.add_argument('--p-drop-labels', type=_probability, default=None, help="train: how often the labels are dropped (kept in state.json)")
    ap.add_argument('--restart-lr', type=float, default=None, help='train: start a new cosine from this peak at the current step')
    ap.add_argument('--splits', default='train,valid,test', help='data: which splits to render')
    ap.add_argument('--n-q', type=int, default=8, choices=(4, 8), help='train / ship / val: model the first 4 codebooks '
                    'or all 8 (a 4-codebook run starts from the shipped LM\'s first 4 and keeps its own checkpoints)')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads); set_seed(a.seed)
    if a.job == 'data': print(data(splits=tuple(a.splits.split(','))))
    elif a.job == 'data-v1': print(data_v1())
    elif a.job == 'train': train(a.minutes, a.seed, data_version=a.data, total_steps=a.total_steps,
                                 p_phrase=a.p_phrase, p_onset=a.p_onset, p_drop_audio=a.p_drop_audio,
                                 restart_lr=a.restart_lr, n_q=a.n_q, p_drop_labels=a.p_drop_labels)
    elif a.job == 'ship': ship(n_q=a.n_q)
    elif a.job == 'val':
        lm, cond = new_models(a.n_q); st = load_ckpt(lm, cond)
        print(st.get('step', 0), json.dumps(_rounded(val_ce(lm, cond, load_split('valid', 'v1')))))


if __name__ == '__main__':
    main()
