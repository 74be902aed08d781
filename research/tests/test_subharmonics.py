"Checks on research/probe_subharmonics.py: the half-harmonic ratio reads a known subharmonic level, and error kinds."
import sys
from pathlib import Path
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # research/
import probe_subharmonics as ps  # noqa: E402

SR = 24_000
T = np.arange(2 * SR) / SR


def note(f0, sub_db=None):
    x = sum(0.5 / k * np.sin(2 * np.pi * k * f0 * T) for k in range(1, 9) if k * f0 < SR / 2)
    if sub_db is not None:   # the same series shifted by half a harmonic, sub_db below it in power
        x = x + 10 ** (sub_db / 20) * sum(0.5 / k * np.sin(2 * np.pi * (k - 0.5) * f0 * T) for k in range(1, 9))
    return x


@pytest.mark.parametrize('f0', [41.2, 440.0, 1480.0])
def test_a_clean_note_has_no_half_harmonics(f0):
    assert ps.half_harmonic_ratio(note(f0), f0, SR) < -60


@pytest.mark.parametrize('sub_db', [-30.0, -12.0, 0.0])
def test_a_known_subharmonic_series_is_read_at_its_level(sub_db):
    assert abs(ps.half_harmonic_ratio(note(440.0, sub_db), 440.0, SR) - sub_db) < 1.5


def test_period_doubling_raises_the_ratio():
    x = note(740.0)
    alt = 1 + 0.3 * np.sign(np.sin(np.pi * 740.0 * T))      # every other period 30 % louder: repeats every 2 periods
    assert ps.half_harmonic_ratio(x * alt, 740.0, SR) > ps.half_harmonic_ratio(x, 740.0, SR) + 40


@pytest.mark.parametrize('cents, kind', [(10, 'kept'), (-1195, 'octave low'), (1210, 'octave high'), (-2400, 'other'),
                                         (700, 'other'), (float('inf'), 'unvoiced')])
def test_lost_kind(cents, kind):
    assert ps.lost_kind(cents) == kind


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match='positive frequency'): ps.half_harmonic_ratio(note(440.0), 0.0, SR)
    with pytest.raises(ValueError, match='50 ms'): ps.half_harmonic_ratio(note(440.0)[:4000], 440.0, SR)
    with pytest.raises(ValueError, match='voiced original'): ps.lost_kind(float('nan'))


def test_the_control_tells_a_subharmonic_from_a_noise_floor():
    rng = np.random.default_rng(0)
    sub, noisy = note(440.0, -20.0), note(440.0) + 0.01 * rng.standard_normal(len(T))
    assert ps.half_harmonic_ratio(sub, 440.0, SR) > ps.half_harmonic_ratio(sub, 440.0, SR, offset=0.25) + 30
    assert abs(ps.half_harmonic_ratio(noisy, 440.0, SR) - ps.half_harmonic_ratio(noisy, 440.0, SR, offset=0.25)) < 6
    with pytest.raises(ValueError, match='strictly between'): ps.half_harmonic_ratio(sub, 440.0, SR, offset=1.0)
