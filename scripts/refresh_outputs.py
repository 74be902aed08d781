"""Re-run chapters in full (not nbdev_test's shrunk mode) and store their outputs: figures, printed tables, players.

    python scripts/refresh_outputs.py nbs/05_codec_training.ipynb                 # every cell's outputs
    python scripts/refresh_outputs.py nbs/04_tokenization.ipynb --cells a1b2c3d4 e5f6a7b8   # only these cells' outputs
    python scripts/refresh_outputs.py nbs/07_gpt.ipynb nbs/10_vamping.ipynb --timeout 1800
    python scripts/refresh_outputs.py nbs/09_sampling.ipynb --cells c1 --only s1 s2   # run just s1, s2, c1 (in file order)

`--only` is for cells that merely read shipped figures: only the setup cells it names and the --cells run (in the
file's order), so a table that reads a results JSON is refreshed in seconds instead of a full run of the chapter.

After new shipped weights, the docs must show what the new models do: each notebook is executed top to bottom with
nbclient in its own folder (so relative paths resolve as in Jupyter), then its outputs are copied into the file
(all cells, or only those named by --cells, the others keep theirs) and `nbdev_clean` tidies the metadata. Cells the
tests skip (`#| eval: false`, or a `tst_flags` flag of settings.ini such as `#| network`: installs, downloads) are not run
and keep their stored outputs. Progress bars drawn as widgets (tqdm in Jupyter) are not stored. A
notebook whose run fails is left as it was: the error is printed and the script exits non-zero.
"""
from __future__ import annotations
import argparse, copy, re, subprocess, sys, time
from pathlib import Path

from codectok.core import atomic_write


def test_flags(settings:Path=Path(__file__).resolve().parent.parent/'settings.ini') -> list:
    "The `tst_flags` of settings.ini (cells flagged with one, e.g. `#| network`, are skipped by nbdev_test)."
    import configparser
    cp = configparser.ConfigParser(); cp.read(settings)
    return cp.get('DEFAULT', 'tst_flags', fallback='').split()


def skipped_by_tests(source:str, flags:list|None=None) -> bool:
    "Does nbdev_test skip this code cell (`#| eval: false`, or a `tst_flags` flag such as `#| network`)?"
    flags = test_flags() if flags is None else flags
    for line in source.splitlines():
        if not line.startswith('#|'): break
        d = line[2:].strip()
        if d.replace(' ', '') == 'eval:false' or d in flags: return True
    return False


_BAR = re.compile(r'\d+/\S+ \[\d+:\d\d<')     # tqdm's "12/300 [00:04<01:30, ...]"


def is_progress_bar(output) -> bool:
    "A tqdm progress bar shown as a widget (Lightning's, in full mode): stored without its widget state it shows nothing."
    data = output.get('data', {})
    return 'application/vnd.jupyter.widget-view+json' in data and bool(_BAR.search(str(data.get('text/plain', ''))))


def refresh(path:Path, cells:list|None=None, timeout:int=1200, kernel:str='python3', only:list|None=None) -> int:
    """Execute `path` in full and write its outputs back (only `cells`' when given); returns how many cells got new outputs.
    `only`: run nothing but these setup cells and `cells`, in file order (for cells that read shipped figures)."""
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    ids = {c.get('id') for c in nb.cells}
    missing = sorted(set(cells or []) - ids) + sorted(set(only or []) - ids)
    if missing: raise ValueError(f"{path.name} has no cell with id {', '.join(missing)}; ids look like {sorted(ids)[:3]}.")
    run = copy.deepcopy(nb)
    skipped = {i for i, c in enumerate(nb.cells) if c.cell_type == 'code' and (skipped_by_tests(c.source) or
               (only is not None and c.get('id') not in set(only) | set(cells or [])))}
    for i in skipped: run.cells[i].source = ''                      # not run, and their stored outputs stay
    NotebookClient(run, timeout=timeout, kernel_name=kernel, resources={'metadata': {'path': str(path.parent)}}).execute()
    fresh = {}                                                      # cell id -> (source it ran, outputs, count)
    for i, (old, new) in enumerate(zip(nb.cells, run.cells)):
        if old.cell_type != 'code' or i in skipped or (cells and old.get('id') not in cells): continue
        fresh[old.get('id')] = (old.source, [o for o in new.outputs if not is_progress_bar(o)], new.execution_count)
    # The run took minutes: merge into the file as it is *now* (by cell id, only where the source did not change
    # meanwhile), so an edit made to the notebook during the run is kept, not overwritten with the old copy.
    now, n = nbformat.read(path, as_version=4), 0
    for c in now.cells:
        got = fresh.get(c.get('id'))
        if c.cell_type == 'code' and got and got[0] == c.source: c.outputs, c.execution_count, n = got[1], got[2], n + 1
    atomic_write(path, lambda tmp: nbformat.write(now, tmp))
    subprocess.run([str(Path(sys.executable).with_name('nbdev_clean')), '--fname', str(path)], check=True, capture_output=True)
    return n


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('notebooks', nargs='+')
    ap.add_argument('--cells', nargs='*', default=None, help='cell ids whose outputs to refresh (default: all)')
    ap.add_argument('--only', nargs='*', default=None, help='run only these setup cell ids and --cells (outputs of --cells stored)')
    ap.add_argument('--timeout', type=int, default=1200, help='seconds per cell')
    a = ap.parse_args(argv)
    paths = [Path(p) for p in a.notebooks]
    for p in paths:
        if p.suffix != '.ipynb' or not p.exists(): ap.error(f'not a notebook: {p}')
    if a.cells and len(paths) > 1: ap.error('--cells names cells of one notebook; give a single notebook with it')
    if a.only is not None and not a.cells: ap.error('--only needs --cells: the cells whose outputs to store')
    if a.timeout < 1: ap.error(f'--timeout must be positive, got {a.timeout}')
    failed = []
    for p in paths:
        t0 = time.time()
        try: n = refresh(p, a.cells, a.timeout, only=a.only)
        except Exception as e:   # a failed run leaves the notebook as it was
            failed.append(p.name); print(f'{p.name}: run failed, left unchanged ({type(e).__name__}: {str(e)[:2000]})'); continue
        print(f'{p.name}: {n} cells refreshed in {time.time() - t0:.0f} s')
    if failed: sys.exit(f'failed: {", ".join(failed)}')


if __name__ == '__main__':
    main()
