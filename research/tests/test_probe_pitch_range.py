"Checks on research/probe_pitch_range.py: how a lost note's pitch error is classified; bad arguments are refused."
import math, sys
from pathlib import Path
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # research/
import probe_pitch_range as ppr  # noqa: E402


@pytest.mark.parametrize('cents, kind', [(0.0, 'kept'), (-49.0, 'kept'), (1195.0, 'octave'), (-2410.0, 'octave'),
                                         (1902.0, 'twelfth'), (-1880.0, 'twelfth'), (700.0, 'other'), (60.0, 'other'),
                                         (math.inf, 'unvoiced'), (math.nan, 'no pitch')])
def test_error_kind(cents, kind):
    assert ppr.error_kind(cents) == kind


def test_default_range_leaves_out_the_extreme_notes():
    inside = [m for m in range(21, 109) if ppr.DEFAULT_RANGE[0] <= ppr.midi_hz(m) <= ppr.DEFAULT_RANGE[1]]
    assert (inside[0], inside[-1]) == (32, 95)                  # G#1 .. B6
    assert ppr.WIDE_RANGE[0] <= ppr.midi_hz(21) and ppr.midi_hz(108) <= ppr.WIDE_RANGE[1]   # A0 .. C8 all inside


@pytest.mark.parametrize('args, says', [(['--n-notes', '0'], '--n-notes must be positive'),
                                        (['--threads', '0'], '--threads must be >= 1')])
def test_bad_arguments_are_refused_and_write_nothing(tmp_path, capsys, args, says):
    with pytest.raises(SystemExit) as e:
        ppr.main(args + ['--out', str(tmp_path/'out')])
    assert e.value.code == 2 and says in capsys.readouterr().err
    assert not (tmp_path/'out').exists()
