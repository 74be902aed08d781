"Checks on scripts/train_codec.py: bad arguments are refused before anything is trained or written; register balancing."
import sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'scripts'))
import train_codec  # noqa: E402


class _Stop(Exception): pass


def _recipe(monkeypatch, tmp_path, args, wavs=None) -> dict:
    "The keyword arguments train_codec.main passes to train_mini_codec for `args` (training itself is not run)."
    import torch, codectok.codec_train as ct, codectok.codec_data as cd
    seen = {}
    def fake_train(steps, **kw): seen.update(kw); raise _Stop
    monkeypatch.setattr(cd, 'training_waveforms', lambda split: [torch.zeros(100)] if wavs is None else wavs)
    monkeypatch.setattr(ct, 'train_mini_codec', fake_train)
    with pytest.raises(_Stop): train_codec.main(args + ['--out', str(tmp_path/'c')])
    return seen


@pytest.mark.parametrize('args, says', [(['--steps', '0'], '--steps must be positive'),
                                        (['--minutes', '-1'], '--minutes must be positive'),
                                        (['--lr', '0'], '--lr must be positive'),
                                        (['--init', '/no/such/codec.safetensors'], 'no mini codec weights'),
                                        (['--gan', '--adv-weight', '-1'], '--adv-weight must be >= 0'),
                                        (['--feat-weight', '3'], '--feat-weight only applies with --gan'),
                                        (['--lin-weight', '-0.5'], '--lin-weight must be >= 0'),
                                        (['--sc-weight', '-1'], '--sc-weight must be >= 0'),
                                        (['--tones', '-3'], '--tones must be >= 0'),
                                        (['--mel-eps', '0'], '--mel-eps must be positive'),
                                        (['--level-norm', '0'], '--level-norm must be positive'),
                                        (['--level-floor', '1e-4'], '--level-floor only applies with --level-norm'),
                                        (['--crop-min-rms', '-1'], '--crop-min-rms must be >= 0'),
                                        (['--lin-weight', '1', '--lin-eps', '-0.0001'], '--lin-eps must be positive'),
                                        (['--lin-eps', '1e-4'], '--lin-eps only applies with --lin-weight'),
                                        (['--tones', '5', '--tone-range', '60', '40'], '--tone-range must be two MIDI pitches'),
                                        (['--decoder-only'], '--decoder-only fine-tunes a trained codec'),
                                        (['--devices', '0'], '--devices must be >= 1'),
                                        (['--devices', '2', '--strategy', 'ddp_spawn'], "use strategy='ddp' from a script")])
def test_bad_arguments_are_refused_and_write_nothing(tmp_path, capsys, args, says):
    out = tmp_path/'candidate'
    with pytest.raises(SystemExit) as e:
        train_codec.main(args + ['--out', str(out)])
    assert e.value.code == 2
    assert says in capsys.readouterr().err
    assert not out.exists()


def test_balance_by_register_draws_each_register_about_equally():
    # 6 low notes, 3 in C4-B4, 2 in C5-B5, none at C6 and up
    items = [f'n{i}' for i in range(11)]
    pitches = [40, 41, 42, 43, 44, 45, 60, 65, 71, 72, 83]
    out, info = train_codec.balance_by_register(items, pitches)
    assert info == {'midi 0-59': (6, 1), 'midi 60-71': (3, 2), 'midi 72-83': (2, 3)}
    assert sorted(set(out)) == sorted(items)                          # nothing lost
    assert [out.count(x) for x in ('n0', 'n6', 'n9')] == [1, 2, 3]   # rarer registers repeated
    per_register = [sum(out.count(x) for x, p in zip(items, pitches) if lo <= p <= hi) for lo, hi, _ in train_codec.REGISTERS[:3]]
    assert per_register == [6, 6, 6]


@pytest.mark.parametrize('items, pitches, says', [(['a'], [60, 61], 'one pitch per item'), ([], [], 'no items'),
                                                   (['a'], [128], 'not a MIDI note number')])
def test_balance_by_register_refuses_bad_input(items, pitches, says):
    with pytest.raises(ValueError, match=says):
        train_codec.balance_by_register(items, pitches)


def test_tones_are_added_to_the_training_data_at_off_grid_pitches(tmp_path, monkeypatch):
    import math, numpy as np
    seen = _recipe(monkeypatch, tmp_path, ['--tones', '12', '--sc-weight', '2'])
    wavs = seen['train_wavs']
    assert len(wavs) == 13 and seen['sc_weight'] == 2.0
    def f0(w):   # strongest FFT peak of a 1 s tone, 0.125 Hz bins
        S = np.abs(np.fft.rfft(w.numpy(), n=8 * 24_000)); return np.argmax(S) / 8
    midis = [69 + 12 * math.log2(f0(w) / 440) for w in wavs[1:]]
    lo, hi = train_codec.TONE_RANGE
    assert all(lo - 0.1 < m < hi + 0.1 for m in midis)
    assert sum(0.1 < m % 1 < 0.9 for m in midis) >= 6      # most pitches lie between semitones


def test_tone_range_sets_the_tones_pitches(tmp_path, monkeypatch):
    import math, numpy as np
    seen = _recipe(monkeypatch, tmp_path, ['--tones', '10', '--tone-range', '28', '40'], wavs=[])
    def f0(w):
        S = np.abs(np.fft.rfft(w.numpy(), n=8 * 24_000)); return np.argmax(S) / 8
    midis = [69 + 12 * math.log2(f0(w) / 440) for w in seen['train_wavs']]
    assert len(midis) == 10 and all(27.9 < m < 40.1 for m in midis), midis


def test_floors_reach_the_training_recipe(tmp_path, monkeypatch):
    seen = _recipe(monkeypatch, tmp_path, ['--lin-weight', '1', '--mel-eps', '1e-3', '--lin-eps', '1e-4'])
    assert seen['mel_eps'] == 1e-3 and seen['lin_eps'] == 1e-4 and seen['lin_weight'] == 1.0
    assert not (tmp_path/'c').exists()


def test_lin_eps_sets_what_the_linear_loss_hears():
    import torch
    from codectok.codec_train import recon_losses, TrainConfig
    torch.manual_seed(0)
    t = torch.arange(4800) / 24_000
    x = (0.5 * torch.sin(2 * torch.pi * 440 * t))[None, None]
    y = x + 1e-4 * torch.sin(2 * torch.pi * 75 * t)[None, None]      # a buzz 74 dB under the note
    hi, lo = (recon_losses(x, y, 24_000, TrainConfig(lin_weight=1, lin_eps=e))['lin'].item() for e in (1e-3, 1e-6))
    assert lo > 3 * hi, (hi, lo)                                    # a lower floor makes the quiet buzz cost more


def test_level_norm_reaches_the_training_config(tmp_path, monkeypatch):
    seen = _recipe(monkeypatch, tmp_path, ['--level-norm', '0.05'])
    assert seen['level_norm'] == 0.05
    assert 'level_norm' not in _recipe(monkeypatch, tmp_path, [])     # off unless asked for
    seen = _recipe(monkeypatch, tmp_path, ['--level-norm', '0.1', '--level-floor', '1e-4', '--crop-min-rms', '1e-5'])
    assert (seen['level_floor'], seen['crop_min_rms']) == (1e-4, 1e-5)


def test_devices_reach_the_fit(tmp_path, monkeypatch):
    seen = _recipe(monkeypatch, tmp_path, ['--devices', '2', '--precision', 'bf16-mixed'])
    assert (seen['devices'], seen['strategy'], seen['precision']) == (2, 'ddp', 'bf16-mixed')
    seen = _recipe(monkeypatch, tmp_path, [])
    assert (seen['accelerator'], seen['devices'], seen['strategy']) == ('auto', 1, 'auto')
