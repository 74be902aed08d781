"""Train a candidate mini codec from the command line (chapter 05's `train_mini_codec`), with a model card.

    python scripts/train_codec.py --steps 20000 --out DIR                  # from scratch, chapter 05's recipe
    python scripts/train_codec.py --init shipped --gan --lr 5e-4 --steps 3000 --minutes 90 --out DIR
                                  # warm start from the shipped codec, + EnCodec's MS-STFT discriminator
    python scripts/train_codec.py --init shipped --decoder-only --gan --lr 5e-4 --steps 3000 --out DIR
                                  # retrain only the decoder: same tokens, so the LM, MaskGIT and prompt encoder still fit
    python scripts/train_codec.py --init shipped --gan --balance-registers --lr 5e-4 --steps 3600 --out DIR
                                  # the same, drawing crops equally often from each register (below C4 ... C6 and up)
    python scripts/train_codec.py --init shipped --decoder-only --gan --balance-registers --lin-weight 1 --out DIR
                                  # decoder only, balanced, + chapter 05's linear-frequency log-STFT loss (finer high pitch)
    python scripts/train_codec.py --init shipped --gan --balance-registers --sc-weight 5 --tones 1500 --out DIR
                                  # + spectral convergence and off-semitone synthetic tones (against frame-rate pitch snapping)
    python scripts/train_codec.py --init DIR0/mini_codec.safetensors --gan --level-norm 0.1 --out DIR
                                  # reconstruction losses on crops scaled to one level: a decay counts like an attack
    python benchmarks/eval_codec.py --weights DIR/mini_codec.safetensors --out DIR    # its held-out figures

The weights go to DIR (default: the cache's `codec_candidate/`), never over the shipped codec unless --out says so:
a new encoder means new tokens (a --decoder-only run keeps them), so the LM, MaskGIT and prompt encoder must be retrained on them
(`scripts/train_bundled.py tokens`, `lm`, `maskgit`, `prompt`) before a new codec can ship. Checkpoints go to
DIR/ckpt, and a run that is stopped (or hits --minutes) resumes from there when started again with the same arguments.
"""
from __future__ import annotations
import argparse, json, platform, sys, time
from pathlib import Path
import torch

from codectok.core import weights_dir, cache_dir, atomic_write
sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'benchmarks'))
from _common import REGISTERS  # noqa: E402 - the bands eval_codec.py reports: below C4, C4-B4, C5-B5, C6 and up

TONE_RANGE = (40, 100)   # --tones pitches (MIDI): E2 to E7, past the top of the pitch bar's 50-2000 Hz


def balance_by_register(items:list, pitches:list) -> tuple[list, dict]:
    """Repeat `items` (one per MIDI pitch in `pitches`) register by register (REGISTERS) so that each register that has
    notes holds about as many entries as the largest. Crops are drawn uniformly over entries, so each register is then
    drawn about equally often. Returns the new list and, per register, (notes, times repeated)."""
    if len(items) != len(pitches): raise ValueError(f"{len(items)} items but {len(pitches)} pitches; give one pitch per item.")
    if not items: raise ValueError("no items to balance.")
    groups = [[] for _ in REGISTERS]
    for x, p in zip(items, pitches):
        if not 0 <= int(p) <= 127: raise ValueError(f"pitch {p} is not a MIDI note number (0-127).")
        groups[next(i for i, (lo, hi, _) in enumerate(REGISTERS) if lo <= int(p) <= hi)].append(x)
    biggest = max(len(g) for g in groups)
    out, info = [], {}
    for (lo, hi, _), g in zip(REGISTERS, groups):
        if not g: continue
        k = max(1, round(biggest / len(g)))
        out += g * k
        info[f'midi {lo}-{hi}'] = (len(g), k)
    return out, info


def balanced_training_waveforms(sr:int=24_000) -> tuple[list, dict]:
    "NSynth-mini's training notes balanced by `balance_by_register`, plus its training phrases once."
    from codectok.data import render_nsynth_mini, NSynthDataset, PhraseDataset
    root = render_nsynth_mini(verbose=False)
    notes = list(NSynthDataset(root, 'train', sr=sr))
    wavs, info = balance_by_register([d['wav'] for d in notes], [d['pitch'] for d in notes])
    return wavs + [torch.as_tensor(d['wav']) for d in PhraseDataset(root, 'train', sr=sr)], info


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--steps', type=int, default=20_000, help='optimizer steps of the schedule')
    ap.add_argument('--minutes', type=float, default=None, help='stop after this long (the run can be resumed)')
    ap.add_argument('--init', default=None, help="'shipped' or a mini codec .safetensors to start from (default: scratch)")
    ap.add_argument('--gan', action='store_true', help="add EnCodec's MS-STFT discriminator (TrainConfig.discriminator)")
    ap.add_argument('--lr', type=float, default=None, help='peak learning rate (default: TrainConfig.lr)')
    ap.add_argument('--warmup', type=int, default=None, help='linear warmup steps (default: TrainConfig.warmup_steps)')
    ap.add_argument('--decoder-only', action='store_true',
                    help='freeze the encoder and codebooks of --init and train the decoder (the tokens stay the same)')
    ap.add_argument('--adv-weight', type=float, default=None, help='weight of the adversarial loss (default: TrainConfig.adv_weight)')
    ap.add_argument('--feat-weight', type=float, default=None, help='weight of feature matching (default: TrainConfig.feat_weight)')
    ap.add_argument('--lin-weight', type=float, default=None,
                    help='weight of the linear-frequency log-STFT loss (TrainConfig.lin_weight; default 0 = off)')
    ap.add_argument('--sc-weight', type=float, default=None,
                    help='weight of the spectral convergence loss (TrainConfig.sc_weight; default 0 = off)')
    ap.add_argument('--mel-eps', type=float, default=None,
                    help='floor inside the log of the mel loss (TrainConfig.mel_eps, default 1e-2): lower listens to quieter bins')
    ap.add_argument('--lin-eps', type=float, default=None,
                    help='floor inside the log of the linear-frequency loss (TrainConfig.lin_eps, default 1e-3)')
    ap.add_argument('--level-norm', type=float, default=None, metavar='RMS',
                    help='scale each crop and its reconstruction to this RMS before the reconstruction losses '
                         '(TrainConfig.level_norm, e.g. 0.1): quiet decays weigh as much as loud attacks; default off')
    ap.add_argument('--level-floor', type=float, default=None, metavar='RMS',
                    help='with --level-norm: the crop RMS below which the gain stops growing (TrainConfig.level_floor, default 1e-3)')
    ap.add_argument('--crop-min-rms', type=float, default=None, metavar='RMS',
                    help='redraw training crops quieter than this (TrainConfig.crop_min_rms, default 1e-3); lower trains on note ends')
    ap.add_argument('--tones', type=int, default=0,
                    help='add this many 1 s synthetic harmonic tones at continuous (off-semitone) pitches, MIDI 40-100')
    ap.add_argument('--tone-range', type=float, nargs=2, default=list(TONE_RANGE), metavar=('LO', 'HI'),
                    help=f'MIDI pitch range of the --tones (default {TONE_RANGE[0]} {TONE_RANGE[1]})')
    ap.add_argument('--balance-registers', action='store_true',
                    help='repeat the training notes of the rarer registers so that crops come equally often from each')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--accelerator', default='auto', help="Lightning accelerator (default auto: a GPU when there is one)")
    ap.add_argument('--devices', type=int, default=1,
                    help='devices to train on, one process each (DDP: the batch is per device; only rank 0 writes)')
    ap.add_argument('--strategy', default=None, help="Lightning strategy (default: 'ddp' with --devices > 1, else 'auto')")
    ap.add_argument('--precision', default=None, help="Lightning precision, e.g. bf16-mixed (default: 32-true)")
    ap.add_argument('--out', default=None, help="folder for mini_codec.safetensors/.json/.card.json (default: the cache)")
    a = ap.parse_args(argv)
    if a.steps < 1: ap.error(f'--steps must be positive, got {a.steps}')
    if a.minutes is not None and not a.minutes > 0: ap.error(f'--minutes must be positive, got {a.minutes}')
    if a.lr is not None and not a.lr > 0: ap.error(f'--lr must be positive, got {a.lr}')
    if a.warmup is not None and a.warmup < 0: ap.error(f'--warmup must be >= 0, got {a.warmup}')
    if a.tones < 0: ap.error(f'--tones must be >= 0, got {a.tones}')
    lo, hi = a.tone_range
    if not 0 <= lo < hi <= 127: ap.error(f'--tone-range must be two MIDI pitches 0 <= LO < HI <= 127, got {lo:g} {hi:g}')
    for name in ('adv_weight', 'feat_weight', 'lin_weight', 'sc_weight'):
        v = getattr(a, name)
        if v is not None and not v >= 0: ap.error(f"--{name.replace('_', '-')} must be >= 0, got {v}")
        if v is not None and name in ('adv_weight', 'feat_weight') and not a.gan: ap.error(f"--{name.replace('_', '-')} only applies with --gan")
    for name in ('mel_eps', 'lin_eps', 'level_norm', 'level_floor'):
        v = getattr(a, name)
        if v is not None and not v > 0: ap.error(f"--{name.replace('_', '-')} must be positive, got {v}")
    if a.level_floor is not None and not a.level_norm: ap.error('--level-floor only applies with --level-norm')
    if a.crop_min_rms is not None and not a.crop_min_rms >= 0: ap.error(f'--crop-min-rms must be >= 0, got {a.crop_min_rms}')
    if a.lin_eps is not None and not a.lin_weight: ap.error('--lin-eps only applies with --lin-weight')
    if a.decoder_only and a.init is None: ap.error('--decoder-only fine-tunes a trained codec: give --init')
    if a.devices < 1: ap.error(f'--devices must be >= 1, got {a.devices}')
    from codectok.core import trainer_devices
    try: dev = trainer_devices(a.accelerator, a.devices, a.strategy or ('ddp' if a.devices > 1 else 'auto'), a.precision)
    except ValueError as e: ap.error(f'--strategy: {e}')
    init = None if a.init is None else (weights_dir()/'mini_codec.safetensors' if a.init == 'shipped' else Path(a.init))
    if init is not None and not init.exists(): ap.error(f'--init: no mini codec weights at {init}')
    out = Path(a.out) if a.out else cache_dir('codec_candidate')
    torch.set_num_threads(a.threads)
    from codectok.codec_train import train_mini_codec, TrainConfig
    from codectok.codec_data import training_waveforms, synthetic_notes
    opts = dict(lr=a.lr, warmup_steps=a.warmup, adv_weight=a.adv_weight, feat_weight=a.feat_weight, lin_weight=a.lin_weight,
                sc_weight=a.sc_weight, mel_eps=a.mel_eps, lin_eps=a.lin_eps, level_norm=a.level_norm,
                level_floor=a.level_floor, crop_min_rms=a.crop_min_rms)
    kw = dict(discriminator=a.gan, train_encoder=not a.decoder_only) | {k: v for k, v in opts.items() if v is not None}
    train_wavs, balance = balanced_training_waveforms() if a.balance_registers else (None, None)
    if a.tones:   # pitches between the semitones, so the decoder cannot get by with a fixed set of frequencies
        train_wavs = (train_wavs if train_wavs is not None else training_waveforms('train')) + \
                     synthetic_notes(a.tones, 1.0, seed=7, midi_range=(lo, hi), continuous=True)
    t0 = time.time()
    ev = train_mini_codec(a.steps, out=out/'mini_codec.safetensors', ckpt_dir=out/'ckpt', progress=False,
                          max_minutes=a.minutes, init=init, train_wavs=train_wavs, **dev, **kw)
    if ev.get('rank'): return                                       # DDP: rank 0 writes the card
    cfg = TrainConfig(steps=a.steps, **kw)
    card = dict(model=json.loads((out/'mini_codec.json').read_text()),
                init=str(init) if init else 'scratch', steps_done=ev['steps'], schedule_steps=a.steps,
                recipe=dict(lr=cfg.lr, warmup_steps=cfg.warmup_steps, discriminator=cfg.discriminator, batch=cfg.batch_size,
                            train_encoder=cfg.train_encoder, mel_eps=cfg.mel_eps, crop_min_rms=cfg.crop_min_rms,
                            **({'lin_weight': cfg.lin_weight, 'lin_n_ffts': cfg.lin_n_ffts, 'lin_eps': cfg.lin_eps} if cfg.lin_weight else {}),
                            **({'level_norm_rms': cfg.level_norm, 'level_floor': cfg.level_floor} if cfg.level_norm else {}),
                            **({'sc_weight': cfg.sc_weight, 'sc_n_ffts': cfg.sc_n_ffts} if cfg.sc_weight else {}),
                            **({'continuous_pitch_tones': f'{a.tones} x 1 s, MIDI {lo:g}-{hi:g}'} if a.tones else {}),
                            **({'register_balance': {k: f'{n} notes x {r}' for k, (n, r) in balance.items()}} if balance else {}),
                            **({'adv_weight': cfg.adv_weight, 'feat_weight': cfg.feat_weight} if cfg.discriminator else {})),
                wall_minutes=round((time.time() - t0) / 60, 1), validation=ev,
                devices=dict(accelerator=a.accelerator, devices=a.devices, strategy=str(dev['strategy']),
                             precision=a.precision or '32-true'),
                hardware=f"{platform.machine()}, {a.threads} torch thread(s), "
                         f"{torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU'}")
    atomic_write(out/'mini_codec.card.json', lambda t: Path(t).write_text(json.dumps(card, indent=1, default=str)))
    print(json.dumps(card, indent=1, default=str))


if __name__ == '__main__':
    main()
