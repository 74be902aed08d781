"""Print the install cell every chapter starts with, derived from settings.ini (`lib_name`, `git_url`).

The cell installs codectok from the package index and, while it is not published there, falls back to the
project's public git repository; then the soundfont renderer without its pyaudio dependency (pyaudio has no
Linux wheel and is only used for live playback). `--check` compares every notebook's install cell with it.

    python scripts/install_line.py            # print the cell
    python scripts/install_line.py --check    # exit 1 listing notebooks whose install cell differs
"""
import argparse, configparser, json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = 'pip install -q --no-deps tinysoundfont'  # every install cell, and only those, contains it
MAX_LINE = 100

def settings(root=ROOT):
    cp = configparser.ConfigParser(delimiters=['=']); cp.read(Path(root)/'settings.ini', encoding='utf-8')
    return cp['DEFAULT']

def install_command(name, git_url):
    """The shell command: the index first, the git repository if that fails.
    `install_command('codectok', 'https://github.com/o/r')` ->
    'pip install -q codectok 2>/dev/null || pip install -q git+https://github.com/o/r'"""
    return f'pip install -q {name} 2>/dev/null || pip install -q git+{git_url}'

def install_cell(root=ROOT):
    "The source of the install cell (a `#| network` cell: the tests skip it, Colab runs it)."
    s = settings(root); name, url = s['lib_name'], s['git_url']
    line = '!' + install_command(name, url)
    if len(line) > MAX_LINE:  # a long git URL: let IPython expand it from a variable
        line = f'git_url = "{url}"\n!' + install_command(name, '{git_url}')
    return ('#| network\n'
            f'# install {name} (the package index, else its git repository) and the soundfont renderer\n'
            '# (skipped by the tests; needed on Colab)\n'
            f'{line}\n'
            f'!{MARKER}')

def install_cells(nb):
    "The sources of the code cells of notebook `nb` that install the soundfont renderer."
    cells = json.loads(Path(nb).read_text(encoding='utf-8'))['cells']
    return [''.join(c['source']) for c in cells if c['cell_type'] == 'code' and MARKER in ''.join(c['source'])]

def is_chapter(nb):
    "A chapter opens in Colab (it has the badge) and so must install codectok first."
    return 'colab-badge' in Path(nb).read_text(encoding='utf-8')

def mismatches(root=ROOT):
    "Notebooks that are chapters or install something, but not with exactly one copy of `install_cell()`."
    want = install_cell(root)
    return [nb.name for nb in sorted((Path(root)/'nbs').glob('[0-9]*.ipynb'))
            if (is_chapter(nb) or install_cells(nb)) and install_cells(nb) != [want]]

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--check', action='store_true', help='check every chapter instead of printing the cell')
    a = ap.parse_args()
    if not a.check: print(install_cell()); sys.exit(0)
    bad = mismatches()
    if bad: print('install cell differs from scripts/install_line.py in: ' + ', '.join(bad)); sys.exit(1)
    print('every chapter starts with the generated install cell')
