"Checks on scripts/train_bundled.py that guard the shipped models: token caches are keyed by what fixes the tokens."
import math, sys
import pytest
from pathlib import Path
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'scripts'))
import train_bundled  # noqa: E402
from codectok.codec import MiniCodec, MiniCodecConfig, save_mini_codec  # noqa: E402


def _tiny_codec():
    torch.manual_seed(0)
    return MiniCodec(MiniCodecConfig(n_filters=4, dimension=8, n_q=2, codebook_size=16))


def test_codec_tag_ignores_the_decoder_but_not_the_encoder_or_codebooks(tmp_path):
    m = _tiny_codec()
    base = train_bundled.codec_tag(save_mini_codec(m, tmp_path/'a'))
    assert len(base) == 10 and base == train_bundled.codec_tag(save_mini_codec(m, tmp_path/'a2'))   # deterministic
    with torch.no_grad():
        next(m.decoder.parameters()).add_(1.0)                      # a new decoder: same tokens
    assert train_bundled.codec_tag(save_mini_codec(m, tmp_path/'b')) == base
    with torch.no_grad():
        next(m.encoder.parameters()).add_(1.0)                      # a new encoder: other tokens
    enc = train_bundled.codec_tag(save_mini_codec(m, tmp_path/'c'))
    assert enc != base
    m.quantizer.vq.layers[0]._codebook.embed.add_(1.0)              # other codewords: other tokens
    assert train_bundled.codec_tag(save_mini_codec(m, tmp_path/'d')) not in (base, enc)


def test_shipped_cards_name_the_shipped_tokens():
    "Every model trained on tokens says which tokens, and they are the shipped codec's."
    tag = train_bundled.codec_tag()
    for card in ('lm', 'maskgit', 'prompt_encoder'):
        data = (ROOT/'codectok'/'weights'/f'{card}.card.json').read_text()
        assert f'codec {tag}' in data, f'{card}.card.json was trained on other tokens than the shipped codec makes ({tag})'


def test_lm_warm_start_refuses_other_tokens_unless_asked(tmp_path):
    "`lm --init` on an LM trained on another codec's tokens stops before training, and names the way out."
    import json, pytest
    (tmp_path/'lm.card.json').write_text(json.dumps(dict(data='mini-codec tokens (codec 0000000000)', steps=1)))
    with pytest.raises(ValueError, match='--new-tokens'):
        train_bundled.train_lm(0.1, tmp_path, init=True)
    with pytest.raises(FileNotFoundError):                           # allowed: gets as far as loading the LM weights
        train_bundled.train_lm(0.1, tmp_path, init=True, new_tokens=True)


def test_cards_keep_a_small_learning_rate():
    "Card figures are rounded to 3 decimals, but a learning rate of 1.5e-3 must not be written as 0.002."
    got = train_bundled._rounded(dict(lr=0.0015, figures=dict(ce=3.92449, acc=[0.16949, 0.0]), steps=5768))
    assert got == dict(lr=0.0015, figures=dict(ce=3.924, acc=[0.169, 0.0]), steps=5768)
    assert train_bundled._rounded(5e-4) == 5e-4 and train_bundled._rounded(0.00123456) == 0.00123


def test_budget_steps_times_the_model_on_the_training_device(monkeypatch):
    "The probe runs where the fit will run (`default_device()`, as Lightning's accelerator='auto'), data moved there."
    seen = []
    model = torch.nn.Linear(4, 1)
    data = torch.randn(32, 4)
    def loss_fn(i, device):
        seen.append((device, next(model.parameters()).device)); return model(data[i].to(device)).pow(2).mean()
    monkeypatch.setattr(train_bundled, 'default_device', lambda: torch.device('cpu'))
    steps = train_bundled.budget_steps(model, loss_fn, 32, 8, minutes=0.01, name='probe')
    assert steps >= 20 and len(seen) == 4                                     # warm-up + 3 timed steps
    assert all(d == torch.device('cpu') and p.type == 'cpu' for d, p in seen)


def test_prompted_lm_schedule_restarts_without_changing_the_first_cosine():
    import train_prompted_lm as t
    P = t.PEAK_LR
    first = lambda s, total: P * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, (s - t.WARMUP) / (total - t.WARMUP)))))
    for s in (t.WARMUP, 1000, 2500, 4000):                                     # no restart: the schedule as before
        assert abs(t.lr_at(s, 4000) - first(s, 4000)) < 1e-12
    r = (3654, 4e-4)                                                        # a new cosine from step 3,654
    assert t.lr_at(3654, 5900, r) < 4e-4 / 10                               # a short warm-up, not a jump
    assert abs(t.lr_at(3654 + 50, 5900, r) - 4e-4) < 1e-12                  # the new peak
    assert abs(t.lr_at(5900, 5900, r) - 0.1 * P) < 1e-12                     # the same floor at the end
    lrs = [t.lr_at(s, 5900, r) for s in range(3704, 5901, 100)]
    assert all(a >= b for a, b in zip(lrs, lrs[1:]))                        # and only down after the peak


def test_maskgit_figures_measure_the_model():
    from codectok.maskgit import MaskGIT, MaskGITConfig
    torch.manual_seed(0)
    m = MaskGIT(MaskGITConfig.tiny())
    x = torch.randint(0, m.config.codebook_size, (40, m.config.n_q, 16))
    f = train_bundled.masked_figures(m, x)
    assert abs(f['loss'] - math.log(m.config.codebook_size)) < 1.0 and 0 <= f['acc'] < 0.5   # untrained: about ln N
    assert train_bundled.masked_figures(m, x) == f                           # fixed masks: the same figures again


def test_maskgit_eval_only_refuses_a_malformed_run_record(capsys):
    import pytest
    with pytest.raises(SystemExit) as e:
        train_bundled.main(['maskgit', '--eval-only', '2228'])
    assert e.value.code == 2 and 'STEPS:MINUTES' in capsys.readouterr().err


def test_prompted_lm_first_codebooks_keeps_the_first_tables_and_the_backbone():
    "The 4-codebook LM starts from the 8-codebook one: its embeddings and heads are the first K blocks, the rest is shared."
    import train_prompted_lm as t
    from codectok.gpt import CodecLM, CodecLMConfig
    torch.manual_seed(0)
    lm8 = CodecLM(CodecLMConfig(n_q=8, codebook_size=16, n_embd=32, n_layer=1, n_head=2, n_positions=64)).eval()
    lm4, V = t.first_codebooks(lm8, 4).eval(), lm8.config.vocab_per_codebook
    assert lm4.config.n_q == 4 and lm4.config.codebook_size == 16
    sd8, sd4 = lm8.state_dict(), lm4.state_dict()
    for k, v in sd4.items():
        want = sd8[k][:4 * V] if k in ('emb.weight', 'head.weight', 'head.bias') else sd8[k]
        assert torch.equal(v, want), k
    codes = torch.randint(0, 16, (2, 8, 10))
    with torch.no_grad(): assert math.isfinite(float(lm4.loss(codes[:, :4])['loss']))     # it reads 4 codebooks ...
    with pytest.raises(ValueError, match='expects K=4'): lm4.loss(codes)                   # ... and only 4
    assert t.run_dir(4) != t.run_dir(8) and t.run_dir(4).name.endswith('_k4')


def test_maskgit_card_keeps_each_parts_data_without_nesting():
    "Retraining one MaskGIT part replaces its data line and keeps the other's; a second retraining does not nest them."
    old = dict(data='v1 windows')                                           # a card from before the field
    one = train_bundled.card_data_by_part(old, ['coarse'], 'v2 windows')
    assert one == dict(coarse='v2 windows', c2f='v1 windows')
    two = train_bundled.card_data_by_part(dict(data='x', data_by_part=one), ['c2f'], 'v2 windows')
    assert two == dict(coarse='v2 windows', c2f='v2 windows')


def test_prompted_lm_card_keeps_every_restart_and_dropout():
    "A second new cosine does not overwrite the first on the card, and each run's label dropout is said once."
    import train_prompted_lm as t
    st = dict(total_steps=6000, restarts=[[0, 4e-4, 3000]], restart=[3000, 3e-4],
              data=[dict(step=0, data='v2', p_phrase=0.1, p_onset=0.8, p_drop_audio=0.6),
                    dict(step=3000, data='v2', p_phrase=0.1, p_onset=0.8, p_drop_audio=0.6, p_drop_labels=0.4)])
    h = t._restart_history(st, 5900)
    assert h == "; a new cosine from lr 0.0004 at step 5900 to step 8900; a new cosine from lr 0.0003 at step 8900 to step 11900"
    assert "v2 data from step 8900" in t._data_history(st, 5900)                 # steps counted from the cut
    assert t._data_history(st).count("labels 40%") == 1 and 'labels' not in t._data_history(dict(data=st['data'][:1]))
    runs = t._k_runs(st)
    assert [(s0, peak, end) for s0, peak, end, _ in runs] == [(0, 4e-4, 3000), (3000, 3e-4, 6000)]
    assert [d.get('p_drop_labels') for *_, d in runs] == [None, 0.4]     # each cosine with the data it trained on
    plain = dict(total_steps=3000, data=st['data'][:1])                       # a run that never restarted: one line
    assert [r[:3] for r in t._k_runs(plain)] == [(0, t.PEAK_LR, 3000)] and t._restart_history(plain) == ''
