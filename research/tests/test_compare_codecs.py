"Checks on research/compare_codecs.py: paired counts per register, McNemar's p, and refusal of unpaired evaluations."
import json, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT/'research'))
import compare_codecs as cc  # noqa: E402


def _ev(kept, pitch, data='NSynth-mini test split (8 of 8 notes)'):
    return dict(data=data, seconds_per_note=2.0, per_note=dict(pitch=pitch, kept=kept))


PITCH = [40, 50, 65, 70, 75, 80, 90, 100]


def test_paired_counts_by_register_and_overall():
    base = _ev([True, True, True, None, False, True, False, False], PITCH)
    cand = _ev([True, False, True, None, True, True, True, True], PITCH)
    rows = cc.paired(base, cand)
    assert rows['below C4'] == dict(both=1, base_only=1, cand_only=0, neither=0, voiced=2, p_value=1.0)
    assert rows['C4-B4']['voiced'] == 1                                 # the unvoiced original (MIDI 70) is left out
    assert rows['C6 and up']['cand_only'] == 2 and rows['C6 and up']['both'] == 0
    a = rows['all']
    assert (a['both'], a['base_only'], a['cand_only'], a['neither'], a['voiced']) == (3, 1, 3, 0, 7)
    assert a['p_value'] == pytest.approx(0.625)                          # 3 of 4 discordant notes: 2 * P(X >= 3 | n=4)


def test_a_large_one_sided_disagreement_is_significant():
    n = 40
    base = _ev([False] * n, [90] * n, data='x')
    cand = _ev([True] * n, [90] * n, data='x')
    assert cc.paired(base, cand)['all']['p_value'] < 1e-9
    assert cc.paired(base, base)['all']['p_value'] == 1.0                # identical codecs: nothing to tell apart


def test_unpaired_evaluations_are_refused(tmp_path):
    with pytest.raises(ValueError, match='same notes'):
        cc.paired(_ev([True] * 8, PITCH), _ev([True] * 8, PITCH[::-1]))
    with pytest.raises(ValueError, match='same notes'):
        cc.paired(_ev([True] * 8, PITCH), _ev([True] * 8, PITCH, data='other'))
    (tmp_path/'old').mkdir()
    (tmp_path/'old'/'eval_codec.json').write_text(json.dumps(dict(data='x', seconds_per_note=2.0)))
    with pytest.raises(ValueError, match='per-note'):
        cc.load_eval(tmp_path/'old')
    with pytest.raises(ValueError, match='no eval_codec.json'):
        cc.load_eval(tmp_path/'missing')


def test_main_writes_both_files_and_needs_two_folders(tmp_path, capsys):
    for name, kept in (('base', [True] * 4 + [False] * 4), ('cand', [True] * 8)):
        (tmp_path/name).mkdir()
        (tmp_path/name/'eval_codec.json').write_text(json.dumps(_ev(kept, PITCH)))
    cc.main([str(tmp_path/'base'), str(tmp_path/'cand'), '--out', str(tmp_path)])
    res = json.loads((tmp_path/'compare_codecs.json').read_text())
    assert res['baseline'] == 'base' and res['candidates']['cand']['all']['cand_only'] == 4
    assert '4 → 8 of 8 (+4 −0' in (tmp_path/'compare_codecs.md').read_text()
    with pytest.raises(SystemExit):
        cc.main([str(tmp_path/'base')])
