"Checks on research/lm_fit.py: the per-split cross-entropy and the refusal of folders without an LM."
import math, sys
from pathlib import Path
import pytest, torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT/'research'))
import lm_fit  # noqa: E402
from codectok.core import weights_dir  # noqa: E402
from codectok.gpt import load_codec_lm  # noqa: E402
from codectok.conditioning import load_conditioner, lm_loss  # noqa: E402


def _tok(seed, n):
    g = torch.Generator().manual_seed(seed)
    return dict(notes=torch.randint(0, 1024, (n, 8, 160), generator=g),
                labels=torch.stack([torch.randint(30, 90, (n,), generator=g), torch.randint(0, 11, (n,), generator=g)], 1))


def test_split_ce_scores_each_split_on_its_own_notes():
    lm, cond = load_codec_lm(weights_dir()/'lm.safetensors').eval(), load_conditioner(weights_dir()/'lm_conditioner.safetensors').eval()
    a, b = _tok(0, 5), _tok(1, 3)
    ce = lm_fit.split_ce(lm, cond, dict(train=a, valid=a, test=b), n_train=5)
    assert ce['train'] == pytest.approx(ce['valid'], abs=1e-6)         # the same notes score the same
    assert ce['test'] != pytest.approx(ce['valid'], abs=1e-4)          # other notes do not
    # n_train picks notes spread over the split: 2 of 5 are the first and the last
    two = lm_fit.split_ce(lm, cond, dict(train=a, valid=a, test=b), n_train=2)['train']
    with torch.no_grad():
        want = float(lm_loss(lm, a['notes'][[0, 4], :, :150], cond(a['labels'][[0, 4]])))
    assert two == pytest.approx(want, abs=1e-6)
    assert math.log(1024) < ce['test'] < 15     # random codes: worse than a uniform guess for a trained LM (~4 nats on notes)


def test_a_folder_without_an_lm_is_refused_before_any_work(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys, 'argv', ['lm_fit.py', '--weights', str(tmp_path), '--out', str(tmp_path/'o')])
    with pytest.raises(SystemExit) as e: lm_fit.main()
    assert e.value.code == 2 and 'has no lm.safetensors' in capsys.readouterr().err
    assert not (tmp_path/'o').exists()
