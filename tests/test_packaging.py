"Checks on the package set-up that users and CI rely on (settings.ini, setup.py, README, console script)."
import configparser, subprocess, sys, shlex, shutil
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent

def settings():
    cp = configparser.ConfigParser(delimiters=['=']); cp.read(ROOT/'settings.ini', encoding='utf-8')
    return cp['DEFAULT']

def test_settings_for_nbdev2():
    s = settings()
    assert set(s['tst_flags'].split()) == {'gpu', 'network'}, 'cells needing a GPU or the network must be skippable'
    assert s['clear_all'] == 'False', 'audio outputs must survive nbdev_clean'
    assert s['readme_nb'] == 'index.ipynb' and (ROOT/'nbs'/'index.ipynb').exists()
    assert s['custom_sidebar'] == 'True' and (ROOT/'nbs'/'sidebar.yml').exists()

def test_requirements_do_not_pin_torch_for_users():
    reqs = shlex.split(settings()['requirements'])
    names = {r.split('=')[0].split('<')[0].split('>')[0] for r in reqs}
    for needed in ['torch', 'encodec', 'transformers', 'lightning', 'librosa', 'ipywidgets', 'matplotlib', 'nbdev']:
        assert needed in names, f'{needed} missing from requirements'
    assert 'torch' in reqs, 'torch must be listed without a version pin for users'
    dev = shlex.split(settings()['dev_requirements'])
    assert 'nbdev==2.4.14' in dev and 'fastcore<2' in dev and 'execnb<0.2' in dev

def test_sidebar_lists_every_notebook_in_pipeline_order():
    text = (ROOT/'nbs'/'sidebar.yml').read_text()
    listed = [l.strip()[2:] for l in text.splitlines() if l.strip().startswith('- ') and l.strip().endswith('.ipynb')]
    on_disk = sorted(p.name for p in (ROOT/'nbs').glob('*.ipynb'))
    assert sorted(listed) == on_disk, f'sidebar {listed} vs notebooks {on_disk}'
    numbered = [n for n in listed if n[:2].isdigit()]
    assert numbered == sorted(numbered), 'chapters must appear in pipeline (numeric) order'

def test_setup_py_has_no_pkg_resources():
    assert 'pkg_resources' not in (ROOT/'setup.py').read_text().replace('`pkg_resources` is gone', '')

def test_readme_generated_from_index():
    r = subprocess.run([sys.executable, str(ROOT/'scripts'/'make_readme.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr + r.stdout

def test_top_level_quarto_config_is_the_nbs_one():
    top, nbs = ROOT/'_quarto.yml', ROOT/'nbs'/'_quarto.yml'
    assert top.exists() and top.read_text() == nbs.read_text()

def test_console_script_help():
    exe = shutil.which('codectok') or str(Path(sys.executable).parent/'codectok')
    r = subprocess.run([exe, '--help'], capture_output=True, text=True)
    assert r.returncode == 0 and 'demo' in r.stdout, r.stderr
