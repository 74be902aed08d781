"Checks on the package set-up that users and CI rely on (settings.ini, setup.py, README, console script)."
import ast, configparser, re, subprocess, sys, shlex, shutil, warnings
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

def _name(req): return re.split(r'[<>=!~\[; ]', req, maxsplit=1)[0].lower()

def test_requirements_do_not_pin_torch_for_users():
    reqs = shlex.split(settings()['requirements'])
    assert 'torch' in reqs, 'torch must be listed without a version pin for users (Colab brings its own)'
    dev = shlex.split(settings()['dev_requirements'])
    for pin in ['nbdev==2.4.14', 'fastcore<2', 'execnb<0.2', 'build', 'twine']: assert pin in dev, pin

# imported only inside try/except with an install hint, so not runtime requirements
OPTIONAL = {'tinysoundfont': 'pip install --no-deps tinysoundfont (its pyaudio has no Linux wheel)',
            'encodecmae': 'not on the package index; a clone + pip install -e',
            'huggingface_hub': 'comes with transformers; only asked for its cache location'}
DIST = {'IPython': 'ipython', 'PIL': 'pillow', 'sklearn': 'scikit-learn', 'yaml': 'pyyaml'}

def _library_imports():
    "Top-level third-party modules the library imports anywhere (module level or inside functions)."
    mods = set()
    for f in (ROOT/'codectok').glob('*.py'):
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # a module's own SyntaxWarnings are not this test's business
            tree = ast.parse(f.read_text(encoding='utf-8'))
        for n in ast.walk(tree):
            if isinstance(n, ast.Import): mods |= {a.name.split('.')[0] for a in n.names}
            elif isinstance(n, ast.ImportFrom) and n.level == 0 and n.module: mods.add(n.module.split('.')[0])
    return {m for m in mods if m not in sys.stdlib_module_names and m != 'codectok'}

def test_runtime_requirements_are_what_the_library_imports():
    reqs = {_name(r) for r in shlex.split(settings()['requirements'])}
    imported = {DIST.get(m, m).lower().replace('_', '-') for m in _library_imports() - set(OPTIONAL)}
    assert not imported - {r.replace('_', '-') for r in reqs}, f'imported but not required: {imported - reqs}'
    extra = {r for r in reqs if r.replace('_', '-') not in imported}
    assert not extra, f'runtime requirements the library never imports (move them to dev_requirements): {extra}'
    assert not reqs & {'nbdev', 'execnb'}, 'the notebook tooling is a dev requirement'
    assert 'fastcore' in reqs and 'fastcore<2' not in settings()['requirements'], \
        'the library needs only fastcore.basics.patch, in every fastcore: no pin for users'

def test_no_extra_needs_a_build_or_a_missing_package():
    text = (ROOT/'setup.py').read_text()
    extras = text[text.index('extras_require='):].split('\n')[0]
    for bad in ('tinysoundfont', 'pyaudio', 'encodecmae', 'render', 'online'): assert bad not in extras, bad

def test_every_chapter_starts_with_the_generated_install_cell():
    sys.path.insert(0, str(ROOT/'scripts'))
    import install_line
    assert install_line.mismatches() == []
    cell = install_line.install_cell()
    s = settings()
    assert cell.startswith('#| network\n') and s['git_url'] in cell and '--no-deps tinysoundfont' in cell
    assert f"pip install -q {s['lib_name']} 2>/dev/null || pip install -q git+{s['git_url']}" in cell
    assert all(len(l) <= 100 for l in cell.splitlines())
    r = subprocess.run([sys.executable, str(ROOT/'scripts'/'install_line.py'), '--check'], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr

def test_readme_install_section_matches_the_install_cell():
    sys.path.insert(0, str(ROOT/'scripts'))
    import install_line
    s = settings()
    readme = (ROOT/'README.md').read_text(encoding='utf-8')
    install = readme[readme.index('## Install'):readme.index('\n## ', readme.index('## Install') + 3)]
    assert install_line.install_command(s['lib_name'], s['git_url']) in install
    assert 'pip install -q --no-deps tinysoundfont' in install and 'codectok[render]' not in install

def test_release_workflow_builds_checks_and_publishes_on_tags():
    wf = (ROOT/'.github'/'workflows'/'release.yml').read_text()
    for needed in ('tags:', 'python -m build', 'twine check', 'twine upload', 'secrets.PYPI_API_TOKEN'):
        assert needed in wf, needed
    for name in ('test.yaml', 'deploy.yaml'): assert (ROOT/'.github'/'workflows'/name).is_file(), name

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
