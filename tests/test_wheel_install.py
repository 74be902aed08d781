"""The package as a user gets it: build the sdist and wheel, check them (`twine check`, the bundled weights and
results inside), install the wheel into a fresh virtual environment outside the repository and run `codectok demo`
there (offline, bundled models); then run the chapters' install cell in that environment, with the package index
unable to serve codectok, and check that it falls back to the git repository (a local clone of this working tree).

Speed: the environment's third-party wheels (torch 2.11.0 + torchaudio 2.11.0, a matched pair, and the rest) come
from a wheelhouse, `~/.cache/codectok-wheelhouse` (or `$CODECTOK_WHEELHOUSE`), filled from the package index with
`pip download` on the first run and whenever an offline install from it fails; `CODECTOK_WHEELHOUSE_REFRESH=1`
re-resolves against the index first. Nothing of the repository's own environment is visible to the fresh one."""
import configparser, json, os, shutil, subprocess, sys, tarfile, zipfile
from pathlib import Path
import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'scripts'))
import install_line  # noqa: E402

PINS = ['torch==2.11.0', 'torchaudio==2.11.0']  # the matched pair (see ENVIRONMENT.md)
BUILD_DEPS = ['setuptools>=64', 'wheel', 'packaging']  # pyproject.toml's build-system requires
WHEELHOUSE = Path(os.environ.get('CODECTOK_WHEELHOUSE', Path.home()/'.cache'/'codectok-wheelhouse'))
NAME = configparser.ConfigParser(delimiters=['='])
NAME.read(ROOT/'settings.ini'); NAME = NAME['DEFAULT']['lib_name']

def _run(cmd, cwd, env=None, timeout=1200):
    r = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, f"{' '.join(map(str, cmd))} failed ({r.returncode}):\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r

def _clean_env(**extra):
    "The environment without this repository's venv or paths: a user's shell."
    env = {k: v for k, v in os.environ.items() if k not in ('PYTHONPATH', 'VIRTUAL_ENV', 'PYTHONHOME', 'IN_TEST')
           and not k.startswith('CODECTOK_')}
    env.update(extra)
    return env

def _offline_pip_env(venv, **extra):
    "pip (and the isolated builds it runs) served only by the wheelhouse."
    return _clean_env(PIP_NO_INDEX='1', PIP_FIND_LINKS=str(WHEELHOUSE), PIP_DISABLE_PIP_VERSION_CHECK='1',
                      PATH=f"{venv/'bin'}{os.pathsep}{os.environ.get('PATH', '')}", **extra)

def _fill_wheelhouse(python, reqs, cwd):
    "Download `reqs` (and everything they need) from the package index into the wheelhouse."
    WHEELHOUSE.mkdir(parents=True, exist_ok=True)
    _run([python, '-m', 'pip', 'download', '-q', '-d', WHEELHOUSE, '--find-links', WHEELHOUSE, *reqs, *BUILD_DEPS],
         cwd, env=_clean_env())
    _run([python, '-m', 'pip', 'download', '-q', '--no-deps', '-d', WHEELHOUSE, 'tinysoundfont'], cwd, env=_clean_env())
    for p in WHEELHOUSE.glob(f'{NAME}-*'): p.unlink()  # only third-party wheels: never serve a stale codectok

@pytest.fixture(scope='module')
def dist(tmp_path_factory):
    "The sdist and wheel built from the working tree (the wheel is built from the sdist, as `build` does)."
    out = tmp_path_factory.mktemp('dist')
    env = _clean_env()
    if WHEELHOUSE.is_dir() and any(WHEELHOUSE.glob('setuptools-*')):  # the isolated build offline
        env.update(PIP_NO_INDEX='1', PIP_FIND_LINKS=str(WHEELHOUSE))
    _run([sys.executable, '-m', 'build', '--outdir', out, ROOT], ROOT, env=env)
    (sdist,), (wheel,) = out.glob('*.tar.gz'), out.glob('*.whl')
    return sdist, wheel

@pytest.fixture(scope='module')
def venv(dist, tmp_path_factory):
    "A fresh virtual environment outside the repository with the wheel (and its dependencies) installed."
    home = tmp_path_factory.mktemp('user'); assert ROOT not in home.parents
    v = home/'venv'
    base = getattr(sys, '_base_executable', sys.executable)
    _run([base, '-m', 'venv', v], home, env=_clean_env())
    py, reqs = v/'bin'/'python', [str(dist[1]), *PINS]
    install = [py, '-m', 'pip', 'install', '-q', '--no-compile', *reqs]
    if os.environ.get('CODECTOK_WHEELHOUSE_REFRESH') == '1' or not WHEELHOUSE.is_dir():
        _fill_wheelhouse(py, reqs, home)
    r = subprocess.run(install, cwd=home, env=_offline_pip_env(v), capture_output=True, text=True)
    if r.returncode:  # the wheelhouse misses something (new requirement, new release): fill it, try again
        _fill_wheelhouse(py, reqs, home)
        _run(install, home, env=_offline_pip_env(v))
    _run([py, '-m', 'pip', 'install', '-q', '--no-deps', 'tinysoundfont'], home, env=_offline_pip_env(v))
    return v

def _bundled_files():
    "The weights and result files the package must carry, relative to the package."
    pkg = ROOT/NAME
    return sorted(str(p.relative_to(ROOT)) for pat in ('weights/*.safetensors', 'weights/*.json', 'results/*.json')
                  for p in pkg.glob(pat))

def test_sdist_and_wheel_carry_the_bundled_files_and_pass_twine(dist):
    sdist, wheel = dist
    want = _bundled_files()
    assert any(w.endswith('.safetensors') for w in want) and any('results/' in w for w in want)
    with zipfile.ZipFile(wheel) as z: in_wheel = set(z.namelist())
    with tarfile.open(sdist) as t: in_sdist = {n.split('/', 1)[1] for n in t.getnames() if '/' in n}
    assert not [w for w in want if w not in in_wheel], 'files missing from the wheel'
    assert not [w for w in want + ['settings.ini', 'setup.py', 'pyproject.toml'] if w not in in_sdist], \
        'files missing from the sdist'
    meta = zipfile.ZipFile(wheel).read(f"{NAME}-{wheel.name.split('-')[1]}.dist-info/METADATA").decode()
    reqs = [l for l in meta.splitlines() if l.startswith('Requires-Dist:') and 'extra ==' not in l]
    assert not [r for r in reqs if any(x in r for x in ('nbdev', 'execnb', 'tinysoundfont', 'pyaudio'))], reqs
    r = _run([sys.executable, '-m', 'twine', 'check', '--strict', sdist, wheel], ROOT)
    assert r.stdout.count('PASSED') == 2, r.stdout

def _wav_ok(p, sr=24_000):
    x, rate = sf.read(p)
    assert rate == sr and len(x) > sr // 4 and np.isfinite(x).all(), p
    assert 1e-3 < np.abs(x).max() <= 1.0, f'{p}: silent or clipped'

def test_wheel_runs_the_demo_outside_the_repo(venv, tmp_path):
    py = venv/'bin'/'python'
    r = subprocess.run([py, '-c', 'import nbdev'], cwd=tmp_path, capture_output=True, env=_clean_env())
    assert r.returncode != 0, 'nbdev must not come with the package (it is a dev requirement)'
    r = _run([py, '-c', 'import codectok; print(codectok.__file__)'], tmp_path, env=_clean_env())
    assert Path(r.stdout.strip()).is_relative_to(venv), f'codectok imported from {r.stdout}, not the fresh venv'
    out = tmp_path/'demo'
    _run([venv/'bin'/'codectok', 'demo', '--out', out, '--device', 'cpu'], tmp_path,
         env=_clean_env(MPLBACKEND='Agg'), timeout=1500)
    fig = json.loads((out/'figures.json').read_text())
    assert 'mini' in fig['codec'] and 0 < fig['codec_real_time_factor'] < 50
    assert 'the codec the models were trained on' in fig['codec_choice'] and fig['device'] == 'cpu'
    assert len(fig['notes']) == 3
    for note in fig['notes']:
        assert note['pattern_round_trip_exact'] is True
        for n_q, m in note['n_q'].items():
            assert 0 < m['mel_distance'] < 2, (note['label'], n_q, m)
        assert abs(note['n_q']['8']['pitch_error_cents']) <= 50, note  # the codec keeps the pitch
    assert fig['lm']['real_time_factor'] > 0 and fig['vamp']['kept_tokens_unchanged'] is True
    wavs = sorted(out.glob('*.wav'))
    assert len([w for w in wavs if w.stem.endswith('_original')]) == 3 and any(w.stem.startswith('lm_') for w in wavs)
    assert any(w.stem.startswith('vamp_') for w in wavs)
    for w in wavs: _wav_ok(w)
    page = (out/'index.html').read_text()
    assert all(f'src="{w.name}"' in page for w in wavs if w.stem.endswith(('_original', '_8q')))

def test_install_cell_falls_back_to_the_git_repository(venv, tmp_path):
    "The chapters' install cell, verbatim but for the git URL: the index cannot serve codectok, so git does."
    src = tmp_path/'clone'
    files = _run(['git', 'ls-files', '-co', '--exclude-standard', '-z'], ROOT).stdout.split('\0')
    for f in filter(None, files):
        if (ROOT/f).is_file():
            (src/f).parent.mkdir(parents=True, exist_ok=True); shutil.copy2(ROOT/f, src/f)
    git = ['git', '-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main']
    for cmd in (['init', '-q'], ['add', '-A'], ['commit', '-q', '-m', 'snapshot']): _run(git + cmd, src)
    s = configparser.ConfigParser(delimiters=['=']); s.read(ROOT/'settings.ini')
    cell = install_line.install_cell()
    shell = [l[1:] for l in cell.splitlines() if l.startswith('!')]
    assert len(shell) == 2 and s['DEFAULT']['git_url'] in shell[0]
    shell[0] = shell[0].replace(s['DEFAULT']['git_url'], f'file://{src}')
    _run([venv/'bin'/'python', '-m', 'pip', 'uninstall', '-y', '-q', NAME], tmp_path, env=_offline_pip_env(venv))
    for line in shell: _run(['bash', '-c', line], tmp_path, env=_offline_pip_env(venv))
    py = venv/'bin'/'python'
    r = _run([py, '-m', 'pip', 'show', '-f', NAME], tmp_path, env=_clean_env())
    assert 'weights/mini_codec.safetensors' in r.stdout
    r = _run([py, '-c', 'from codectok.codec import get_codec; import torch; c = get_codec(); '
              'x = torch.zeros(1, 1, 2400); print(tuple(c.encode(x).shape))'], tmp_path, env=_clean_env())
    assert r.stdout.strip() == '(1, 8, 8)', r.stdout  # 2400 samples = 7.5 frames of 320, padded to 8
