"Checks on research/probe_tail_pitch.py: segment classes, and a buzz under a decaying note is found where the note is quiet."
import math, sys
from pathlib import Path
import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # research/
import probe_tail_pitch as tp  # noqa: E402


@pytest.mark.parametrize('ref, f, kind', [(440, 441, 'kept'), (440, 150, 'frame-rate buzz'), (440, 880, 'octave'),
                                          (440, 219, 'octave'), (440, 523, 'other'), (440, float('nan'), 'unvoiced'),
                                          (150, 75, 'octave'), (300, 375, 'other')])
def test_classify(ref, f, kind):
    assert tp.classify(ref, f) == kind


def test_classify_needs_a_voiced_original():
    with pytest.raises(ValueError, match='voiced original'):
        tp.classify(float('nan'), 440)


def test_a_buzz_under_a_decaying_note_is_found_in_the_quiet_segments():
    sr = 24_000
    t = np.arange(3 * sr) / sr
    env = 10 ** (-30 * t / 20)                                  # 30 dB per second
    x = (0.5 * env * np.sin(2 * np.pi * 523.25 * t)).astype(np.float32)
    hum = 0.5 * 10 ** (-50 / 20) * np.sign(np.sin(2 * np.pi * 75 * t))   # a 75 Hz buzz 50 dB under the start
    segs = tp.note_segments(x, (x + hum).astype(np.float32), sr)
    loud = [k for l, k in segs if l < 20]
    quiet = [k for l, k in segs if l >= 40]
    assert loud and all(k == 'kept' for k in loud)
    assert quiet and all(k == 'frame-rate buzz' for k in quiet)
    assert tp.note_segments(x, x.copy(), sr) and all(k == 'kept' for _, k in tp.note_segments(x, x.copy(), sr))
    s = tp.summarise(segs)
    assert s['all']['n'] == len(segs) == 6 and s['all']['frame-rate buzz'] == len(quiet)
