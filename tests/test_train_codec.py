"Checks on scripts/train_codec.py: bad arguments are refused before anything is trained or written; register balancing."
import sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'scripts'))
import train_codec  # noqa: E402


@pytest.mark.parametrize('args, says', [(['--steps', '0'], '--steps must be positive'),
                                        (['--minutes', '-1'], '--minutes must be positive'),
                                        (['--lr', '0'], '--lr must be positive'),
                                        (['--init', '/no/such/codec.safetensors'], 'no mini codec weights'),
                                        (['--gan', '--adv-weight', '-1'], '--adv-weight must be >= 0'),
                                        (['--feat-weight', '3'], '--feat-weight only applies with --gan'),
                                        (['--lin-weight', '-0.5'], '--lin-weight must be >= 0'),
                                        (['--decoder-only'], '--decoder-only fine-tunes a trained codec')])
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
