"""Multi-process training: a 2-process DDP smoke test (Lightning `strategy='ddp'`, gloo, CPU) of every training
loop, the all-reduced EMA codebooks, and the index-based random crops of `CropDataset`.

The DDP runs happen in one child process, `python tests/test_ddp.py OUT`, which Lightning relaunches once more
as rank 1; each rank writes what it saw and what it learned to OUT/<loop>_rank<r>.pt, and the tests compare the
two ranks: different batches, identical weights (and codebooks), the planned number of steps.
"""
import hashlib, os, subprocess, sys, time
from pathlib import Path
import pytest
import torch

HERE = Path(__file__).resolve()
LOOPS = ('codec', 'lm', 'conditioned_lm', 'prompt_encoder', 'maskgit')
STEPS = 4


# ---------------------------------------------------------------- the child: every loop under 2-process DDP
def _digest(batch) -> str:
    "A fingerprint of a batch (a tensor, or a tuple/list/dict of tensors)."
    if isinstance(batch, dict): batch = [batch[k] for k in sorted(batch)]
    ts = batch if isinstance(batch, (list, tuple)) else [batch]
    h = hashlib.sha1()
    for t in ts: h.update(t.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def _ema_step(rank:int|None=None) -> dict:
    """One training step of each EMA codebook on a fixed batch (the same on every rank): on rank `rank`'s half of it,
    or on all of it with `rank=None` (what one process learns: the reference for the 2-rank update)."""
    from codectok.vq import VectorQuantizer
    from codectok.codec_train import _SyncedCodebook
    torch.manual_seed(0)
    z = torch.randn(16, 4) + torch.arange(16)[:, None] % 3
    part = z if rank is None else z[rank * 8:(rank + 1) * 8]
    vq = VectorQuantizer(4, 8, decay=0.5, kmeans_init=False).train()
    vq.codebook.data.copy_(z[:8] + 0.1); vq.embed_avg.copy_(vq.codebook.detach())
    vq(part)
    cb = _SyncedCodebook(4, 8, kmeans_init=False, decay=0.5, threshold_ema_dead_code=0).train()
    cb.embed.copy_(z[:8] + 0.1); cb.embed_avg.copy_(cb.embed)
    cb(part)
    return dict(vq=vq.state_dict(), codebook=cb.state_dict())


def _child(out:Path):
    import warnings
    import lightning as L
    from codectok.codec import MiniCodecConfig
    from codectok.codec_data import synthetic_notes
    from codectok.codec_train import TrainConfig, fit_codec
    from codectok.gpt import debug_config
    from codectok.codec_lm_train import markov_codes, train_codec_lm
    from codectok.conditioning import LabelConditioner, train_conditioned_lm
    from codectok.prompting import PromptEncoderConfig, train_prompt_encoder
    from codectok.maskgit import MaskGITConfig, fit_maskgit, synthetic_tokens
    warnings.filterwarnings('ignore')

    class Batches(L.Callback):
        def __init__(self): self.seen = []
        def on_train_batch_start(self, trainer, module, batch, batch_idx): self.seen.append(_digest(batch))

    rank = int(os.environ.get('LOCAL_RANK', 0))
    ddp = dict(accelerator='cpu', devices=2, strategy='ddp')
    def save(name, module, trainer, rec):
        state = {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}
        torch.save(dict(batches=rec.seen, state=state, steps=trainer.global_step,
                        world=trainer.world_size), out/f'{name}_rank{rank}.pt')

    t0 = time.time()
    # the codec: quantization (k-means init, EMA codebooks) from step 1, crops from CropDataset, and the
    # discriminator (its own optimizer step, outside DDP's gradient sync)
    wavs = synthetic_notes(8, seconds=0.5, seed=0)
    cfg = TrainConfig.tiny(steps=STEPS, batch_size=2, crop_seconds=(0.1, 0.1), ae_warmup_steps=1,
                           val_every=2, ckpt_every=100, discriminator=True)
    rec = Batches()
    m = fit_codec(wavs, wavs[:2], cfg, MiniCodecConfig(n_filters=4, dimension=8, n_q=2, codebook_size=16),
                  ckpt_dir=out/'codec_ckpt', progress=False, callbacks=[rec], **ddp)
    save('codec', m, m.trainer_, rec)

    # the LM, unconditional (GPT-2's unused token table and the null prefix must not stall DDP)
    codes, _ = markov_codes(64, n_q=2, n_frames=8, codebook_size=8, seed=0)
    lm_cfg = debug_config(n_q=2, codebook_size=8, n_embd=16, n_layer=1, n_head=2)
    rec = Batches()
    mod, tr = train_codec_lm(codes, lm_cfg, batch_size=4, max_steps=STEPS, val_every=2,
                             log_dir=out/'lm', progress_bar=False, callbacks=[rec], **ddp)
    save('lm', mod, tr, rec)

    # the conditioned LM with condition dropout (the null prefix trains)
    labels = torch.stack([torch.randint(40, 80, (64,)), torch.randint(0, 11, (64,))], 1)
    rec = Batches()
    mod = train_conditioned_lm(codes, labels, debug_config(n_q=2, codebook_size=8, n_embd=16, n_layer=1,
                                                           n_head=2, cond_dropout=0.5),
                               LabelConditioner(16), val=(codes[:8], labels[:8]), batch_size=4,
                               max_steps=STEPS, val_every=2, log_dir=out/'clm', callbacks=[rec], **ddp)
    save('conditioned_lm', mod, mod.trainer, rec)

    # the prompt encoder (span masks)
    pe_cfg = PromptEncoderConfig(n_mels=8, d_model=16, n_layer=1, n_head=2, n_q=2, codebook_size=8)
    feats, pe_codes = torch.randn(32, 12, 8), markov_codes(32, n_q=2, n_frames=12, codebook_size=8)[0]
    rec = Batches()
    mod = train_prompt_encoder(feats, pe_codes, pe_cfg, val=(feats[:4], pe_codes[:4]), batch_size=4,
                               max_steps=STEPS, val_every=2, log_dir=out/'pe', callbacks=[rec], **ddp)
    save('prompt_encoder', mod, mod.trainer, rec)

    # MaskGIT (training masks)
    toks = synthetic_tokens(64, 2, 16, 8, seed=0)
    rec = Batches()
    lit = fit_maskgit(MaskGITConfig.tiny(n_q=2, codebook_size=8, dim=16, n_layer=1), toks, val=toks[:8],
                      max_steps=STEPS, batch_size=4, warmup=1, val_every=2, callbacks=[rec], **ddp)
    save('maskgit', lit, lit.trainer, rec)

    # the EMA codebooks on their own, in the same process group
    import torch.distributed as dist
    if not dist.is_initialized(): dist.init_process_group('gloo', rank=rank, world_size=2)
    torch.save(_ema_step(rank), out/f'ema_rank{rank}.pt')
    dist.barrier()                                           # both ranks have written everything
    if rank == 0: print(f"ddp child done in {time.time() - t0:.1f} s", flush=True)


# ---------------------------------------------------------------- the tests
# what a rendezvous that lost its port to another process on a shared machine says (then: one more try)
_NETWORK_ERRORS = ('address already in use', 'connection reset', 'connection refused', 'connection closed')

@pytest.fixture(scope='module')
def ddp_run(tmp_path_factory):
    "Run every loop under 2-process DDP once; -> the folder with each rank's results."
    env = {**os.environ, 'CODECTOK_FAST': '1', 'OMP_NUM_THREADS': '1', 'PYTHONWARNINGS': 'ignore'}
    for k in ('LOCAL_RANK', 'NODE_RANK', 'WORLD_SIZE', 'MASTER_PORT'): env.pop(k, None)
    for attempt in range(2):
        out = tmp_path_factory.mktemp('ddp')
        r = subprocess.run([sys.executable, str(HERE), str(out)], env=env, capture_output=True, text=True,
                           timeout=600, cwd=HERE.parent.parent)
        log = f"{r.stdout[-3000:]}\n{r.stderr[-6000:]}"
        if r.returncode == 0 or not any(e in log.lower() for e in _NETWORK_ERRORS): break
        print(f"DDP rendezvous failed (attempt {attempt + 1}), retrying:\n{log[-1500:]}")
    assert r.returncode == 0, f"DDP run failed:\n{log}"
    return out


def _ranks(out:Path, name:str) -> tuple:
    return tuple(torch.load(out/f'{name}_rank{r}.pt', weights_only=True) for r in (0, 1))


@pytest.mark.parametrize('name', LOOPS)
def test_ddp_ranks_see_different_batches(ddp_run, name):
    r0, r1 = _ranks(ddp_run, name)
    assert r0['world'] == r1['world'] == 2
    assert len(r0['batches']) == len(r1['batches']) == STEPS
    assert not set(r0['batches']) & set(r1['batches']), f"{name}: the ranks trained on the same batches"


@pytest.mark.parametrize('name', LOOPS)
def test_ddp_ranks_finish_with_identical_weights(ddp_run, name):
    r0, r1 = _ranks(ddp_run, name)
    assert r0['steps'] == r1['steps'] == STEPS
    assert r0['state'].keys() == r1['state'].keys()
    differ = [k for k in r0['state'] if not torch.equal(r0['state'][k], r1['state'][k])]
    assert not differ, f"{name}: ranks differ in {differ[:5]}"


def test_ddp_codec_codebooks_trained_and_identical(ddp_run):
    r0, r1 = _ranks(ddp_run, 'codec')
    keys = [k for k in r0['state'] if k.endswith('_codebook.embed')]
    assert len(keys) == 2                                                         # n_q = 2 codebooks
    for k in keys:
        assert torch.equal(r0['state'][k], r1['state'][k])
        assert r0['state'][k.replace('embed', 'inited')].item() == 1.0            # k-means ran
        assert r0['state'][k].std() > 0


def test_ddp_ema_statistics_are_summed_over_ranks(ddp_run):
    "Each rank saw half the batch; both must hold the codebook one process learns from all of it."
    ref = _ema_step()
    for r in _ranks(ddp_run, 'ema'):
        for part in ('vq', 'codebook'):
            for k, v in ref[part].items():
                torch.testing.assert_close(r[part][k], v, msg=f"{part}.{k} is not the all-rank update")


def test_child_process_strategies_are_refused():
    from codectok.maskgit import MaskGITConfig, fit_maskgit
    from codectok.codec_train import fit_codec
    from codectok.prompting import train_prompt_encoder
    from lightning.pytorch.strategies import DDPStrategy
    toks = torch.zeros(8, 2, 4, dtype=torch.long)
    for strategy in ('ddp_spawn', 'ddp_notebook', DDPStrategy(start_method='spawn')):
        with pytest.raises(ValueError, match="use strategy='ddp' from a script"):
            fit_maskgit(MaskGITConfig.tiny(n_q=2), toks, max_steps=1, devices=2, strategy=strategy)
    with pytest.raises(ValueError, match='child processes'):
        fit_codec([torch.zeros(100)], [torch.zeros(100)], devices=2, strategy='ddp_spawn')
    with pytest.raises(ValueError, match='child processes'):
        train_prompt_encoder(torch.zeros(4, 3, 8), torch.zeros(4, 2, 3, dtype=torch.long),
                             devices=2, strategy='ddp_fork')


# ---------------------------------------------------------------- CropDataset: random draws keyed by index
def _notes():
    from codectok.codec_metrics import harmonic_note
    return [harmonic_note(m, 0.5, seed=m) for m in range(50, 60)]


def test_crop_dataset_same_index_and_seed_same_crop():
    from codectok.codec_data import CropDataset
    a, b = CropDataset(_notes(), crop=2400, n_items=16, seed=3), CropDataset(_notes(), crop=2400, n_items=16, seed=3)
    _ = [b[i] for i in range(16)]                                    # b has drawn before: it must not matter
    for i in (0, 7, 15): assert torch.equal(a[i], b[i])
    assert not torch.equal(a[0], CropDataset(_notes(), crop=2400, n_items=16, seed=4)[0])   # the seed counts
    a.set_epoch(1); assert not torch.equal(a[0], b[0])                                    # and the epoch
    with pytest.raises(IndexError): a[16]


def test_crop_dataset_ranks_and_workers_get_different_crops():
    from torch.utils.data import DataLoader, DistributedSampler
    from codectok.codec_data import CropDataset
    ds = CropDataset(_notes(), crop=2400, n_items=16, seed=0)
    key = lambda x: x.numpy().tobytes()
    per_rank = [{key(x) for x in DataLoader(ds, batch_size=None,
                                            sampler=DistributedSampler(ds, 2, r, shuffle=False))}
                for r in (0, 1)]
    assert len(per_rank[0]) == len(per_rank[1]) == 8 and not per_rank[0] & per_rank[1]
    # two DataLoader workers: 16 distinct crops, the same ones as loading in this process
    two = [key(x) for x in DataLoader(ds, batch_size=None, num_workers=2)]
    assert len(set(two)) == 16 and two == [key(ds[i]) for i in range(16)]


if __name__ == '__main__':
    _child(Path(sys.argv[1]))
