"""Train the bundled models that sit on top of the shipped mini codec, on NSynth-mini tokens.

    python scripts/train_bundled.py tokens              # encode NSynth-mini once with the shipped codec (cached)
    python scripts/train_bundled.py lm --minutes 45     # label-conditioned CodecLM -> weights/lm*.safetensors
    python scripts/train_bundled.py lm --init --lr 1e-3 --minutes 60   # warm restart from the LM already there
    python scripts/train_bundled.py lm --init --new-tokens --lr 1.5e-3 --minutes 70   # ... across a codec change
    python scripts/train_bundled.py maskgit --minutes 45  # coarse + coarse-to-fine MaskGIT -> weights/maskgit_*.safetensors
    python scripts/train_bundled.py prompt --minutes 15   # EnCodecMAE-style prompt encoder -> weights/prompt_encoder.safetensors

Each job sizes its step budget from a timed probe so it ends in about `--minutes` on this machine, writes its weights
atomically (safetensors) and a model card `<name>.card.json` with data, steps, hardware and held-out figures.
The token caches are keyed by a hash of the codec weights, so retraining the codec never reuses stale tokens.
"""
from __future__ import annotations
import argparse, copy, hashlib, json, math, os, platform, sys, time, warnings
from pathlib import Path
import numpy as np
import torch

warnings.filterwarnings('ignore')
from codectok.core import weights_dir, cache_dir, set_seed, atomic_write, verify_cached, write_cached, default_device
from codectok.codec import get_codec
from codectok.data import render_nsynth_mini, NSynthDataset, PhraseDataset

SPLITS = ('train', 'valid', 'test')


def codec_tag(path=None) -> str:
    """Short hash of what fixes the tokens: the encoder and quantizer weights of the codec at `path` (default: the
    shipped one). A retrained decoder keeps every token, so it keeps the token caches and the models trained on them."""
    from safetensors import safe_open
    h = hashlib.sha1()
    with safe_open(str(path or weights_dir()/'mini_codec.safetensors'), 'pt') as f:
        for k in sorted(k for k in f.keys() if k.startswith(('encoder.', 'quantizer.'))):
            t = f.get_tensor(k)
            h.update(k.encode()); h.update(str(t.dtype).encode()); h.update(t.contiguous().view(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()[:10]


def _encode_all(codec, wavs, batch:int=16) -> list:
    out = []
    with torch.inference_mode():
        for i in range(0, len(wavs), batch):
            chunk = wavs[i:i + batch]
            L = max(len(w) for w in chunk)
            x = torch.stack([torch.nn.functional.pad(torch.as_tensor(w, dtype=torch.float32), (0, L - len(w))) for w in chunk])[:, None]
            codes = codec.encode(x)
            out += [c[:, :math.ceil(len(w) / codec.stride)] for c, w in zip(codes, chunk)]
    return out


def tokens(verbose:bool=True) -> dict:
    "{split: {'notes': (n, 8, 300) codes, 'labels': (n, 2) [pitch, family], 'phrases': list of (8, T_i)}} (cached)."
    from safetensors.torch import save_file, load_file
    path = cache_dir('tokens')/f'nsynth_mini_{codec_tag()}.safetensors'
    if verify_cached(path):                                # checked against its manifest (size + SHA-256)
        flat = load_file(str(path))
    else:
        t0, codec, root, flat = time.time(), get_codec('mini', n_q=8), render_nsynth_mini(verbose=False), {}
        for s in SPLITS:
            notes = NSynthDataset(root, s)
            flat[f'{s}/notes'] = torch.stack(_encode_all(codec, [notes[i]['wav'] for i in range(len(notes))]))
            flat[f'{s}/labels'] = torch.tensor([[notes[i]['pitch'], notes[i]['instrument_family']] for i in range(len(notes))])
            for j, c in enumerate(_encode_all(codec, [torch.as_tensor(p['wav']) for p in PhraseDataset(root, s)])):
                flat[f'{s}/phrase/{j:04d}'] = c.contiguous()
        write_cached(path, lambda tmp: save_file({k: v.contiguous() for k, v in flat.items()}, tmp))
        if verbose: print(f"encoded NSynth-mini in {time.time() - t0:.0f} s -> {path}")
    out = {}
    for s in SPLITS:
        ph = sorted(k for k in flat if k.startswith(f'{s}/phrase/'))
        out[s] = dict(notes=flat[f'{s}/notes'], labels=flat[f'{s}/labels'], phrases=[flat[k] for k in ph])
    if verbose: print({s: (tuple(v['notes'].shape), len(v['phrases'])) for s, v in out.items()})
    return out


def _hardware() -> str:
    return f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} torch thread(s), {os.cpu_count()} cores, " + \
           (torch.cuda.get_device_name() if torch.cuda.is_available() else 'no GPU')


def budget_steps(model:torch.nn.Module, loss_fn, n_items:int, batch_size:int, minutes:float, name:str, n:int=3,
                 device=None) -> int:
    """Optimizer steps that fit in `minutes`: time `n` steps of `loss_fn(batch indices, device)` on a throw-away `model`
    (after a warm-up), on `device`: by default the one the fit will train on (Lightning's accelerator='auto')."""
    device = torch.device(device) if device is not None else default_device()
    model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)   # GPU work is asynchronous
    def one():
        loss = loss_fn(torch.randint(n_items, (batch_size,)), device); opt.zero_grad(); loss.backward(); opt.step()
    one(); sync(); ts = []
    for _ in range(n):
        t = time.perf_counter(); one(); sync(); ts.append(time.perf_counter() - t)
    sec = float(np.median(ts))
    steps = max(20, int(minutes * 60 * 0.92 / (sec * 1.05)))          # ~5 % for validation and bookkeeping
    print(f"{name} probe on {device.type}: {sec:.3f} s/step -> {steps} steps in ~{minutes:g} min", flush=True)
    model.cpu()
    return steps


def _rounded(x):
    "Floats rounded to 3 decimals (below 0.01, such as a learning rate, to 3 significant figures), inside nested dicts and lists."
    if isinstance(x, float): return round(x, 3) if abs(x) >= 0.01 or x == 0 else float(f'{x:.3g}')
    if isinstance(x, dict): return {k: _rounded(v) for k, v in x.items()}
    if isinstance(x, list): return [_rounded(v) for v in x]
    return x


def _write_card(path:Path, card:dict):
    "Write a model card: the run's facts plus this machine's hardware, figures rounded."
    card = _rounded(card | dict(hardware=_hardware()))
    atomic_write(path, lambda tmp: Path(tmp).write_text(json.dumps(card, indent=1)))
    print(json.dumps(card, indent=1))


# ---------------------------------------------------------------- the label-conditioned LM
LM_FRAMES = 150      # the first 2 s of every note: attack + sustain


def lm_config(**kw):
    "The bundled LM's config; `n_positions` fits prefix (2 vectors) + BOS + the pattern's steps for LM_FRAMES frames."
    from codectok.gpt import CodecLMConfig
    base = dict(n_q=8, codebook_size=1024, n_embd=256, n_layer=4, n_head=4, dropout=0.1, cond_dropout=0.15) | kw
    steps = CodecLMConfig(**base).make_pattern(LM_FRAMES).S
    return CodecLMConfig(**(dict(n_positions=2 + 1 + steps) | base))


def train_lm(minutes:float, out:Path, batch_size:int=16, lr:float=2e-3, seed:int=0, init:bool=False,
             new_tokens:bool=False, **cfg_kw) -> dict:
    """Train the label-conditioned LM for about `minutes`; `init`: warm-start from the LM + conditioner already in `out`.
    `new_tokens`: allow that warm start although the LM was trained on another codec's tokens (after a codec retrain:
    the backbone and conditioner carry over, the token embeddings and heads relearn what moved)."""
    from codectok.gpt import save_codec_lm, load_codec_lm
    from codectok.conditioning import (LabelConditioner, ConditionedLMModule, train_conditioned_lm, lm_loss, save_conditioner,
                                       load_conditioner)
    set_seed(seed)
    init_lm = init_cond = prev = None                                   # prev: the model card of the warm start
    tag = codec_tag()
    if init:
        prev = json.loads((out/'lm.card.json').read_text())
        if tag not in prev['data'] and not new_tokens:
            raise ValueError(f"the LM in {out} was trained on other tokens ({prev['data']}); retrain it from scratch, or pass --new-tokens to warm-start across the codec change.")
        init_lm, init_cond = load_codec_lm(out/'lm.safetensors').train(), load_conditioner(out/'lm_conditioner.safetensors').train()
    tok = tokens()
    tr, va = tok['train'], tok['valid']
    codes, labels = tr['notes'][..., :LM_FRAMES], tr['labels']
    cfg = lm_config(**cfg_kw)
    probe = ConditionedLMModule(cfg, LabelConditioner(cfg.n_embd))
    steps = budget_steps(probe, lambda i, d: probe._loss((codes[i].to(d), labels[i].to(d)))['loss'], len(codes), batch_size, minutes, 'LM')
    t0 = time.time()
    cond0 = init_cond if init_cond is not None else LabelConditioner(cfg.n_embd)
    mod = train_conditioned_lm(codes, labels, cfg, cond0,
                               val=(va['notes'][..., :LM_FRAMES], va['labels']), batch_size=batch_size, max_steps=steps,
                               lr=lr, val_every=max(50, steps // 10), log_dir=cache_dir('runs', 'bundled_lm'), seed=seed,
                               init=init_lm)
    wall = time.time() - t0
    lm, cond = mod.model.eval(), mod.conditioner.eval()
    te = tok['test']
    per_k = _per_codebook_ce(lm, te['notes'][..., :LM_FRAMES], cond, te['labels'])
    with torch.no_grad():
        pre = cond(te['labels'])
        null = lm.null_prefix(len(pre), pre.shape[1])
    fig = dict(test_ce_labels=lm_loss(lm, te['notes'][..., :LM_FRAMES], pre),
               test_ce_null_prefix=lm_loss(lm, te['notes'][..., :LM_FRAMES], null), test_ce_per_codebook=per_k,
               unigram_entropy=_unigram(codes, cfg.codebook_size))
    out.mkdir(parents=True, exist_ok=True)
    save_codec_lm(lm, out/'lm.safetensors', half=True)
    save_conditioner(cond, out/'lm_conditioner.safetensors')
    n_params = sum(p.numel() for p in lm.parameters())
    _write_card(out/'lm.card.json', dict(
        model=f"CodecLM: GPT-2 backbone {cfg.n_layer} layers x {cfg.n_embd} wide, {cfg.n_head} heads, K={cfg.n_q} x "
              f"(N+1)={cfg.vocab_per_codebook} embedding rows and heads, {cfg.pattern} pattern; LabelConditioner prefix "
              f"(pitch, family: 2 vectors), condition dropout {cfg.cond_dropout} (CFG); {n_params / 1e6:.2f}M weights, fp16 on disk",
        data=f"NSynth-mini train notes ({len(codes)}), first {LM_FRAMES} frames (2 s) of mini-codec tokens (codec {tag})",
        steps=steps + (prev['steps'] if prev else 0), batch=batch_size, lr=lr,
        wall_minutes=round(wall / 60 + (prev['wall_minutes'] if prev else 0), 1), figures=fig,
        **(dict(history=f"{prev.get('history') or str(prev['steps']) + ' steps'}; test CE {prev['figures']['test_ce_labels']}; "
                        + (f"then the codec changed ({prev['data'].split('codec ')[-1].rstrip(')')} -> {tag}) and " if tag not in prev['data'] else 'then ')
                        + f"a warm restart of {steps} steps at peak lr {lr} ({wall / 60:.1f} min)") if prev else {})))
    return fig


def _unigram(codes, N) -> float:
    p = torch.stack([torch.bincount(codes[:, k].flatten(), minlength=N).float() for k in range(codes.shape[1])])
    p = p / p.sum(1, keepdim=True)
    return float(-(p * p.clamp_min(1e-12).log()).sum(1).mean())


def _per_codebook_ce(lm, codes, cond, labels) -> list:
    "Test CE per codebook (nats), through the LM's own pattern, in batches of 32 weighted by their size."
    total = torch.zeros(lm.config.n_q)
    with torch.no_grad():
        for i in range(0, len(codes), 32):
            total += lm.loss(codes[i:i + 32], cond(labels[i:i + 32]))['ce'] * len(codes[i:i + 32])
    return (total / len(codes)).tolist()


# ---------------------------------------------------------------- MaskGIT coarse + coarse-to-fine
MG_WINDOW, N_COARSE = 150, 4


def mg_windows(split:dict) -> torch.Tensor:
    from codectok.maskgit import token_windows
    notes = token_windows(list(split['notes']), MG_WINDOW, MG_WINDOW)             # 2 windows per 4 s note
    phrases = token_windows(split['phrases'], MG_WINDOW, MG_WINDOW // 3)
    return torch.cat([notes, phrases.repeat(3, 1, 1)])                               # phrases up-weighted: musical time structure


def v2_train_split() -> dict:
    "NSynth-mini v2's training notes + phrases (`train_prompted_lm.py data`) in `tokens()`'s layout."
    sys.path.insert(0, str(Path(__file__).parent))
    from train_prompted_lm import load_split
    tr = load_split('train', 'v2')
    return dict(notes=tr['codes'], labels=tr['labels'], phrases=tr['phrases'])


def masked_figures(model, windows:torch.Tensor, seed:int=0) -> dict:
    "Masked-token loss (nats) and accuracy of `model` on (n, K, T) `windows`, batches of 32, fixed masks (eval mode)."
    from codectok.maskgit import maskgit_step
    g, model = torch.Generator().manual_seed(seed), model.eval()
    with torch.no_grad():
        res = [maskgit_step(model, windows[i:i + 32], g) for i in range(0, len(windows), 32)]
    return dict(loss=float(np.mean([r['loss'].item() for r in res])), acc=float(np.mean([r['acc'].item() for r in res])))


MG_PARTS = ('coarse', 'c2f')


def train_maskgit(minutes:float, out:Path, batch_size:int=16, lr:float=1e-3, seed:int=0, dim:int=256, n_layer:int=4,
                  data:str='v1', init:bool=False, parts:tuple=MG_PARTS, coarse_share:float=0.5,
                  eval_only:dict|None=None) -> dict:
    """Train the coarse and coarse-to-fine MaskGIT for `minutes` in all (`coarse_share` of it on the coarse one when
    both train), or only the `parts` named (the others and their card entries are kept). `data='v2'`: train on
    NSynth-mini v2 (validation and test stay v1's, so the figures compare); `init`: start from the pair already in `out`.
    `eval_only={part: dict(steps=, wall_minutes=, init_from=folder)}`: no training; the card entry of each part is
    measured from the weights in `out`, its train losses as the eval-mode masked loss on 1,024 training windows of
    the `init_from` weights (first) and of `out`'s (last): for a run whose log was lost."""
    from codectok.maskgit import MaskGITConfig, MaskGIT, maskgit_step, fit_maskgit, load_maskgit
    set_seed(seed)
    tok = tokens()
    if data == 'v2': tok['train'] = v2_train_split()
    tr, va, te = (mg_windows(tok[s]) for s in SPLITS)
    print(f"MaskGIT windows: train {len(tr)}, valid {len(va)}, test {len(te)}", flush=True)
    cfgs = dict(coarse=MaskGITConfig(n_q=N_COARSE, n_coarse=0, codebook_size=1024, dim=dim, n_layer=n_layer, n_head=4,
                                     max_len=MG_WINDOW, dropout=0.1),
                c2f=MaskGITConfig(n_q=8, n_coarse=N_COARSE, codebook_size=1024, dim=dim, n_layer=n_layer, n_head=4,
                                  max_len=MG_WINDOW, dropout=0.1))
    old = json.loads((out/'maskgit.card.json').read_text()) if (out/'maskgit.card.json').is_file() else {}
    figs = {k: v for k, v in old.get('figures', {}).items() if k not in parts}
    for name in parts:
        cfg = cfgs[name]; sl = slice(0, cfg.n_q)
        if eval_only:
            e = eval_only[name]
            sample = tr[torch.randperm(len(tr), generator=torch.Generator().manual_seed(seed))[:1024], sl]
            model = load_maskgit(out/f'maskgit_{name}.safetensors')
            first = masked_figures(load_maskgit(Path(e['init_from'])/f'maskgit_{name}.safetensors'), sample, seed)['loss']
            last, test = masked_figures(model, sample, seed)['loss'], masked_figures(model, te[:, sl], seed)
            figs[name] = dict(steps=e['steps'], init=True, wall_minutes=e['wall_minutes'], first_train_loss=first,
                              last_train_loss=last, train_loss_note='eval-mode masked loss on 1,024 training windows, '
                              'before and after (the run was stopped before it wrote its card)',
                              test_masked_loss=test['loss'], test_masked_acc=test['acc'])
            continue
        probe = MaskGIT(cfg)
        share = 1.0 if len(parts) == 1 else coarse_share if name == 'coarse' else 1 - coarse_share
        steps = budget_steps(probe, lambda i, d: maskgit_step(probe, tr[i][:, sl].to(d))['loss'], len(tr), batch_size, minutes * share, f'MaskGIT {name}')
        start = load_maskgit(out/f'maskgit_{name}.safetensors') if init else None
        t0 = time.time()
        lit = fit_maskgit(cfg, tr[:, sl], val=va[:, sl], max_steps=steps, batch_size=batch_size, lr=lr,
                          warmup=max(10, steps // 20), seed=seed, val_every=max(50, steps // 5), init=start)
        wall = time.time() - t0
        model = lit.model.eval()
        test = masked_figures(model, te[:, sl], seed)
        figs[name] = dict(steps=steps, init=bool(init), wall_minutes=round(wall / 60, 1), first_train_loss=float(np.mean(lit.history[:20])),
                          last_train_loss=float(np.mean(lit.history[-50:])),
                          test_masked_loss=test['loss'], test_masked_acc=test['acc'])
        out.mkdir(parents=True, exist_ok=True)
        _half_save_maskgit(model, out/f'maskgit_{name}.safetensors')
    figs = {k: figs[k] for k in MG_PARTS if k in figs}
    which = 'both' if set(parts) == set(MG_PARTS) else ' and '.join(parts)
    cmd = (f"python scripts/train_bundled.py maskgit --minutes {minutes:g}" + (f" --data {data}" if data != 'v1' else '')
           + (' --init' if init else '') + (f" --parts {' '.join(parts)}" if which != 'both' else '')
           + (f" --coarse-share {coarse_share:g}" if coarse_share != 0.5 and which == 'both' else ''))
    desc = (f"NSynth-mini{' v2' if data == 'v2' else ''} train: {MG_WINDOW}-frame (2 s) windows of notes and phrases "
            f"(phrases x3), mini-codec tokens (codec {codec_tag()}); {len(tr)} windows; figures on the NSynth-mini (v1) "
            f"test split")
    by_part = card_data_by_part(old, parts, desc)
    _write_card(out/'maskgit.card.json', dict(
        model=f"MaskGIT (VampNet-style): bidirectional transformer {n_layer} layers x {dim} wide, 4 heads; coarse reads "
              f"codebooks 1-{N_COARSE}, coarse-to-fine predicts {N_COARSE + 1}-8 given 1-{N_COARSE}; fp16 on disk",
        data=desc if len(set(by_part.values())) == 1 else '; '.join(f"{k}: {v}" for k, v in by_part.items()),
        data_by_part=by_part, batch=batch_size, lr=lr, figures=figs,
        commands=old.get('commands', ['python scripts/train_bundled.py maskgit  # the pair before']) * (which != 'both') + [cmd]))
    return figs


def card_data_by_part(old:dict, parts, desc:str) -> dict:
    "{part: data} of the MaskGIT card after training `parts` on `desc`; the other parts keep the old card's (one string before)."
    by_part = dict(old.get('data_by_part') or {p: old['data'] for p in MG_PARTS if 'data' in old})
    return {p: desc if p in parts else by_part.get(p, '?') for p in MG_PARTS}


def _half_save_maskgit(model, path:Path):
    "save_maskgit, with float weights stored as fp16 (load_maskgit upcasts on load_state_dict)."
    from codectok.maskgit import save_maskgit
    save_maskgit(copy.deepcopy(model).half(), path)


# ---------------------------------------------------------------- the EnCodecMAE-style prompt encoder
PE_FRAMES = 150


def _note_wavs(split:str, n_frames:int) -> tuple:
    "First `n_frames` frames of audio of every note of `split`: (wav (n, S), pitch list, family list)."
    ds = NSynthDataset(render_nsynth_mini(verbose=False), split)
    S = n_frames * 320
    items = [ds[i] for i in range(len(ds))]
    return torch.stack([it['wav'][:S] for it in items]), [it['pitch'] for it in items], [it['instrument_family_str'] for it in items]


def train_prompt(minutes:float, out:Path, batch_size:int=32, lr:float=1e-3, seed:int=0, d_model:int=192, n_layer:int=3) -> dict:
    from codectok.prompting import (PromptEncoderConfig, PromptEncoderModule, train_prompt_encoder, save_prompt_encoder,
                                    mel_frames, nn_agreement, chance_agreement)
    set_seed(seed)
    tok = tokens()
    cfg = PromptEncoderConfig(n_mels=64, d_model=d_model, n_layer=n_layer, n_head=4, n_q=8, codebook_size=1024)
    wav, _, _ = _note_wavs('train', PE_FRAMES)
    feats, codes = mel_frames(wav, cfg.sample_rate, cfg.n_mels, hop=cfg.hop)[:, :PE_FRAMES], tok['train']['notes'][..., :PE_FRAMES]
    probe = PromptEncoderModule(cfg)
    steps = budget_steps(probe, lambda i, d: probe._loss((feats[i].to(d), codes[i].to(d)))['loss'], len(feats), batch_size, minutes, 'prompt encoder')
    t0 = time.time()
    mod = train_prompt_encoder(feats, codes, cfg, batch_size=batch_size, max_steps=steps, lr=lr, val_every=max(50, steps // 5),
                               log_dir=cache_dir('runs', 'bundled_prompt_encoder'), seed=seed)
    wall = time.time() - t0
    enc = mod.encoder.eval()
    twav, tpitch, tfam = _note_wavs('test', PE_FRAMES)
    with torch.no_grad():
        emb = torch.cat([enc.embed(w) for w in twav.split(64)])
        untrained = torch.cat([PromptEncoderModule(cfg).encoder.eval().embed(w) for w in twav.split(64)])
    fig = dict(family_1nn=nn_agreement(emb, tfam), family_1nn_untrained=nn_agreement(untrained, tfam),
               family_chance=chance_agreement(tfam), pitch_1nn=nn_agreement(emb, tpitch), pitch_chance=chance_agreement(tpitch))
    out.mkdir(parents=True, exist_ok=True)
    save_prompt_encoder(copy.deepcopy(enc).half(), out/'prompt_encoder.safetensors')   # fp16 on disk; loads as fp32
    _write_card(out/'prompt_encoder.card.json', dict(
        model=f"PromptEncoder (EnCodecMAE-style): 64 mel bands per codec frame -> {n_layer}-layer bidirectional transformer "
              f"{d_model} wide -> 8 x 1024 token heads; trained by masked prediction of the mini codec's tokens; the prompt "
              f"is the mean-pooled hidden state ({d_model} values)",
        data=f"NSynth-mini train notes ({len(feats)}), first {PE_FRAMES} frames (2 s); codec {codec_tag()}",
        steps=steps, batch=batch_size, lr=lr, wall_minutes=round(wall / 60, 1), figures=fig,
        note="1-NN agreement: share of held-out test notes whose nearest other note (cosine) has the same family / pitch"))
    return fig


def _run_record(v:str) -> tuple:
    "argparse type for --eval-only: 'STEPS:MINUTES' -> (int steps, float minutes)."
    try:
        steps, minutes = v.split(':'); steps, minutes = int(steps), float(minutes)
        if steps < 1 or minutes <= 0: raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected STEPS:MINUTES with a positive step count and minutes, e.g. 2228:56; got {v!r}") from None
    return steps, minutes


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('job', choices=('tokens', 'lm', 'maskgit', 'prompt'))
    ap.add_argument('--minutes', type=float, default=45)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default=str(weights_dir()))
    ap.add_argument('--init', action='store_true', help='lm / maskgit: warm-start from the models already in --out')
    ap.add_argument('--new-tokens', action='store_true', help='lm --init: allow the warm start across a codec change')
    ap.add_argument('--lr', type=float, default=None, help='peak learning rate (default: each job\'s own)')
    ap.add_argument('--data', default='v1', choices=('v1', 'v2'), help='maskgit: train on NSynth-mini (v1) or v2')
    ap.add_argument('--coarse-share', type=float, default=0.5, help='maskgit: share of the minutes for the coarse model')
    ap.add_argument('--parts', nargs='+', default=list(MG_PARTS), choices=MG_PARTS, help='maskgit: which models to train')
    ap.add_argument('--eval-only', type=_run_record, default=None, metavar='STEPS:MINUTES',
                    help="maskgit: no training; write the card entries of --parts for the weights in --out, trained "
                         "STEPS steps in MINUTES from the pair in codectok/weights (a run stopped before its card)")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    if a.job == 'tokens': tokens()
    elif a.job == 'lm': train_lm(a.minutes, Path(a.out), init=a.init, new_tokens=a.new_tokens, **({'lr': a.lr} if a.lr else {}))
    elif a.job == 'maskgit': train_maskgit(a.minutes, Path(a.out), data=a.data, init=a.init, coarse_share=a.coarse_share,
                                           parts=tuple(a.parts), eval_only=None if not a.eval_only else {
                                               p: dict(steps=a.eval_only[0], wall_minutes=a.eval_only[1],
                                                       init_from=str(weights_dir())) for p in a.parts},
                                           **({'lr': a.lr} if a.lr else {}))
    else: train_prompt(a.minutes, Path(a.out))


if __name__ == '__main__':
    main()
