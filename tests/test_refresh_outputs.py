"Checks on scripts/refresh_outputs.py: a full run stores fresh outputs, --cells limits them, a failing run changes nothing."
import sys
from pathlib import Path
import nbformat, pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'scripts'))
import refresh_outputs as ro  # noqa: E402


def _nb(tmp_path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s, id=f'c{i}') for i, s in enumerate(sources)]
    for c in nb.cells: c.outputs = [nbformat.v4.new_output('stream', name='stdout', text='stale\n')]
    p = tmp_path/'t.ipynb'; nbformat.write(nb, p)
    return p


def _texts(p): return [''.join(o.get('text', '') for o in c.outputs) for c in nbformat.read(p, as_version=4).cells]


def test_refresh_all_and_only_named_cells(tmp_path):
    p = _nb(tmp_path, 'x = 6 * 7', 'print(x)', 'print(x + 1)')
    assert ro.refresh(p, cells=['c1']) == 1
    assert _texts(p) == ['stale\n', '42\n', 'stale\n']
    assert ro.refresh(p) == 3
    assert _texts(p) == ['', '42\n', '43\n']


def test_only_runs_the_setup_cells_and_the_named_ones(tmp_path):
    p = _nb(tmp_path, 'x = 6 * 7', 'raise RuntimeError("a slow cell that must not run")', 'print(x)')
    assert ro.refresh(p, cells=['c2'], only=['c0']) == 1
    assert _texts(p) == ['stale\n', 'stale\n', '42\n']
    with pytest.raises(SystemExit): ro.main([str(p), '--only', 'c0'])          # --only without --cells


def test_failing_run_and_unknown_cell_leave_the_notebook_unchanged(tmp_path):
    p = _nb(tmp_path, 'print(1)', 'raise RuntimeError("boom")')
    before = p.read_bytes()
    with pytest.raises(SystemExit): ro.main([str(p)])
    assert p.read_bytes() == before
    with pytest.raises(ValueError, match='no cell with id nope'): ro.refresh(p, cells=['nope'])
    assert p.read_bytes() == before
    with pytest.raises(SystemExit): ro.main([str(tmp_path/'missing.ipynb')])


def test_cells_the_tests_skip_are_not_run_and_keep_their_outputs(tmp_path):
    p = _nb(tmp_path, '#| network\nraise RuntimeError("no network here")', '#| eval: false\nprint("never")',
            '#| export\nprint(5)')
    assert ro.refresh(p) == 1
    assert _texts(p) == ['stale\n', 'stale\n', '5\n']
    assert 'network' in ro.test_flags() and not ro.skipped_by_tests('x = 1\n#| network')


def test_progress_bar_widgets_are_not_stored():
    bar = nbformat.v4.new_output('display_data', data={'application/vnd.jupyter.widget-view+json': {'model_id': 'x'},
                                                       'text/plain': 'Training: |          | 0/? [00:00<?, ?it/s]'})
    panel = nbformat.v4.new_output('display_data', data={'application/vnd.jupyter.widget-view+json': {'model_id': 'y'},
                                                         'text/plain': "VBox(children=(HBox(...)))"})
    assert ro.is_progress_bar(bar) and not ro.is_progress_bar(panel)
    assert not ro.is_progress_bar(nbformat.v4.new_output('stream', name='stdout', text='12/300 [00:04<01:30]'))
