"Checks on scripts/device_kit.sh: bad calls are refused, with a message, before anything is installed or trained."
import os, shutil, subprocess
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent


def kit(tmp_path, *args, env=None):
    "Run a copy of the script in an empty tree (so no .whl/ from this checkout is seen)."
    (tmp_path/'scripts').mkdir(exist_ok=True)
    shutil.copy(ROOT/'scripts'/'device_kit.sh', tmp_path/'scripts'/'device_kit.sh')
    e = {k: v for k, v in os.environ.items() if k not in ('OUT', 'DEVICE_KIT_SKIP_INSTALL')} | (env or {})
    return subprocess.run(['bash', str(tmp_path/'scripts'/'device_kit.sh'), *args], capture_output=True, text=True, env=e)


def test_no_subcommand_prints_usage(tmp_path):
    r = kit(tmp_path)
    assert r.returncode == 2 and 'bash scripts/device_kit.sh codec MINUTES STEPS' in r.stderr


@pytest.mark.parametrize('args, says', [(['codec', '7'], 'codec MINUTES STEPS'),
                                        (['codec', '7', '0'], 'STEPS must be a positive integer'),
                                        (['codec', '7', '2e4'], 'STEPS must be a positive integer'),
                                        (['codec', '0', '1000'], 'MINUTES must be a positive number'),
                                        (['codec', 'soon', '1000'], 'MINUTES must be a positive number')])
def test_bad_arguments_are_refused(tmp_path, args, says):
    r = kit(tmp_path, *args, env={'OUT': str(tmp_path/'out')})
    assert r.returncode == 2 and says in r.stderr
    assert not (tmp_path/'out').exists()


def test_codec_needs_out_and_wheels(tmp_path):
    r = kit(tmp_path, 'codec', '7', '1000')
    assert r.returncode == 2 and '$OUT is not set' in r.stderr
    r = kit(tmp_path, 'codec', '7', '1000', env={'OUT': str(tmp_path/'out')})
    assert r.returncode == 2 and 'no wheels in .whl/' in r.stderr
    assert not (tmp_path/'out').exists()
