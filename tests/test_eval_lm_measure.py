"Checks on benchmarks/eval_lm.py's pitch measures: against the prompt's pitch over voiced prompts, and against the MIDI label."
import math, sys
from pathlib import Path
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'benchmarks'))
import eval_lm  # noqa: E402

A4 = 440.0
# prompts as main() builds them: (audio, prefix MIDI, family, MIDI label, prompt f0 in Hz or NaN)
PROMPTS = [(None, 69, 0, 69, A4),                      # in tune
           (None, 81, 1, 69, 2 * A4),                  # pYIN hears the prompt an octave above its label
           (None, 69, 2, 69, float('nan')),            # unvoiced prompt
           (None, 60, 3, 60, 261.63)]


def test_errors_against_the_prompt_and_against_the_label():
    f0s = [A4 * 2 ** (20 / 1200), 2 * A4, A4, float('nan')]
    vp, vl = eval_lm.errors(f0s, PROMPTS)
    assert vp[0] == pytest.approx(20) and vp[1] == pytest.approx(0) and math.isnan(vp[2]) and vp[3] == math.inf
    assert vl[0] == pytest.approx(20) and vl[1] == pytest.approx(1200) and vl[2] == pytest.approx(0) and vl[3] == math.inf


def test_summaries_leave_out_unvoiced_prompts_and_count_unvoiced_outputs_as_misses():
    f0s = [A4 * 2 ** (20 / 1200), 2 * A4, A4, float('nan')]
    res = dict(notes=[{} for _ in PROMPTS])
    eval_lm.add_source(res, 'x', f0s, PROMPTS)
    p, l = res['pitch_following']['x'], res['pitch_following_vs_label']['x']
    assert (p['n'], p['n_voiced_output'], p['within_50_cents']) == (3, 2, pytest.approx(2 / 3))
    assert (l['n'], l['n_voiced_output'], l['within_50_cents']) == (4, 3, pytest.approx(2 / 4))
    assert [n['f0_hz']['x'] for n in res['notes'][:3]] == f0s[:3]
    assert sum(r['n_voiced'] for r in res['by_register']['x']) == 3
    md = eval_lm.pitch_table(res, 'source', 'pitch_following')
    assert md[2] == "| x | 2/3 = **67%** | 20 | 2/4 = 50% |"
