"Checks on scripts/train_codec.py: bad arguments are refused before anything is trained or written."
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
                                        (['--decoder-only'], '--decoder-only fine-tunes a trained codec')])
def test_bad_arguments_are_refused_and_write_nothing(tmp_path, capsys, args, says):
    out = tmp_path/'candidate'
    with pytest.raises(SystemExit) as e:
        train_codec.main(args + ['--out', str(out)])
    assert e.value.code == 2
    assert says in capsys.readouterr().err
    assert not out.exists()
