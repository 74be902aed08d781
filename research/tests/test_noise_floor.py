"Checks on research/probe_noise_floor.py: its figures are zero for a perfect copy and move with hiss and a wrong note."
import sys
from pathlib import Path
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # research/
import probe_noise_floor as nf  # noqa: E402


def note(sr=24_000, hz=440.0, seconds=4.0):
    t = np.arange(int(sr*seconds)) / sr
    env = np.clip(3.0 - t, 0, 1)**4 * (t < 3.0)              # held, then released to silence for the last second
    return (env * sum(np.sin(2*np.pi*hz*k*t) / k for k in range(1, 6))).astype(np.float32)


def test_a_perfect_copy_scores_zero_and_hiss_raises_floor_and_tail():
    x, sr = note(), 24_000
    same = nf.note_figures(x, x.copy(), sr)
    assert same['floor_rise_db'] == 0 and same['loud_err_db'] == 0 and same['mid_err_db'] == 0
    assert same['tail_db'] == same['tail_db_original'] < -80                      # the original's tail is silent
    hiss = nf.note_figures(x, x + 1e-3*np.random.default_rng(0).standard_normal(len(x)).astype(np.float32), sr)
    assert hiss['floor_rise_db'] > 20 and hiss['tail_db'] > same['tail_db'] + 20
    assert hiss['loud_err_db'] < 0.5                                               # the note itself barely moves


def test_a_wrong_pitch_shows_in_the_loud_bins_not_the_tail():
    x, sr = note(), 24_000
    wrong = nf.note_figures(x, note(hz=466.16), sr)                                # a semitone up, same envelope
    assert wrong['loud_err_db'] > 10 and wrong['tail_db'] == wrong['tail_db_original']
