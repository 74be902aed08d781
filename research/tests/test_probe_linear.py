"Checks on research/probe_codec_pitch_linear.py: the probe tells informative features from noise, and bad arguments are refused."
import sys
from pathlib import Path
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT/'research'))
import probe_codec_pitch_linear as plin  # noqa: E402


def _data(n, informative, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(72, 97, n)
    x = rng.normal(size=(n, 32))
    if informative: x[:, :25] += 6 * (y[:, None] == np.arange(72, 97))     # one feature per pitch lights up
    return x, y


def test_probe_names_pitch_from_informative_features_only():
    good = plin.probe(*_data(600, True, 0), *_data(200, True, 1))
    noise = plin.probe(*_data(600, False, 0), *_data(200, False, 1))
    for reg in ('C5-B5', 'C6 and up'):
        assert good[f'ridge {reg}']['exact'] > 0.95 and good[f'1-NN {reg}']['exact'] > 0.8, good
        assert noise[f'ridge {reg}']['exact'] < 0.25, noise
    assert good['ridge C5-B5']['n'] + good['ridge C6 and up']['n'] == 200           # every test note is in one register
    assert 'ridge below C4' not in good                                             # registers without test notes are left out


def test_summary_is_mean_and_std_over_time():
    seq = np.array([[1., 3.], [2., 2.]])
    np.testing.assert_allclose(plin.summary(seq), [2., 2., 1., 0.])


@pytest.mark.parametrize('args, says', [(['--min-pitch', '10'], '--min-pitch must be a MIDI pitch'),
                                        (['--weights', '/no/such.safetensors'], 'no file at'),
                                        (['--weights', __file__], 'give --out too')])
def test_bad_arguments_are_refused(capsys, args, says):
    with pytest.raises(SystemExit) as e:
        plin.main(args)
    assert e.value.code == 2 and says in capsys.readouterr().err
