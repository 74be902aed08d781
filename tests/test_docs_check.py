"Tests of the offline docs check (scripts/docs_check.py) on small synthetic pages."
import base64, importlib.util, io, json, wave
from pathlib import Path
import numpy as np
import pytest
from codectok.core import play

_spec = importlib.util.spec_from_file_location('docs_check', Path(__file__).resolve().parent.parent/'scripts'/'docs_check.py')
dc = importlib.util.module_from_spec(_spec); _spec.loader.exec_module(dc)
CHROMIUM = dc.find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Debian's `chromium` is not installed (scripts/setup.sh installs it as root)")


def wav_bytes(n:int, sr:int) -> bytes:
    "A mono 16-bit WAV of `n` samples of a quiet tone at `sr` Hz."
    b = io.BytesIO()
    with wave.open(b, 'wb') as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(sr)
        w.writeframes((3000 * np.sin(np.arange(n) * 0.05)).astype('<i2').tobytes())
    return b.getvalue()

def audio_tag(b:bytes) -> str:
    return f'<audio controls="controls"><source src="data:audio/wav;base64,{base64.b64encode(b).decode()}" type="audio/wav"/></audio>'

def wrapped(tag:str, sr:int, n:int, max_s:float=4) -> str:
    return f'<div class="codectok-audio" data-sr="{sr}" data-samples="{n}" data-max-seconds="{max_s:g}">{tag}</div>'

def page(d:Path, name:str, *bodies:str) -> Path:
    p = d/name; p.write_text('<html><body><div class="cell">' + '\n'.join(bodies) + '</div></body></html>'); return p

def errors(d:Path, browser=False):
    pages, players = dc.check(d, CHROMIUM, browser=browser)
    return [p.errors for p in players]


def test_play_html_passes(tmp_path):
    "The player `codectok.core.play` makes carries its expectations, and they hold."
    x = np.sin(np.arange(6000) * 0.1)
    page(tmp_path, 'a.html', play(x, 24_000)._repr_html_(), play(x, 16_000, max_seconds=0.25)._repr_html_())
    pages, players = dc.check(tmp_path, None, browser=False)
    assert [p.expect for p in players] == [{'sr': '24000', 'samples': '6000', 'max-seconds': '4'},
                                          {'sr': '16000', 'samples': '4000', 'max-seconds': '0.25'}]
    assert [p.errors for p in players] == [[], []]
    assert players[1].wav['duration'] == 0.25

def test_legacy_player_checked_against_allowed_rates(tmp_path):
    page(tmp_path, 'a.html', audio_tag(wav_bytes(2400, 24_000)), audio_tag(wav_bytes(800, 8_000)),
         audio_tag(wav_bytes(11 * 16_000, 16_000)))
    e = errors(tmp_path)
    assert e[0] == []
    assert 'sample rate 8000 Hz is not one of' in e[1][0]
    assert 'over 10 s' in e[2][0]

def test_truncated_wav_fails(tmp_path):
    page(tmp_path, 'a.html', wrapped(audio_tag(wav_bytes(2400, 24_000)[:-1000]), 24_000, 2400))
    (e,) = errors(tmp_path)
    assert len(e) == 1 and 'invalid WAV' in e[0] and 'truncated' in e[0]

def test_data_chunk_shorter_than_declared_fails():
    b = wav_bytes(100, 24_000); b = b[:4] + (len(b) - 8 - 20).to_bytes(4, 'little') + b[8:-20]   # RIFF size patched
    with pytest.raises(ValueError, match="'data' chunk declares 200 bytes but only 180"): dc.parse_wav(b)

def test_wrong_rate_and_length_vs_wrapper_fail(tmp_path):
    page(tmp_path, 'a.html', wrapped(audio_tag(wav_bytes(2400, 16_000)), 24_000, 2400),
         wrapped(audio_tag(wav_bytes(2400, 24_000)), 24_000, 2000),
         wrapped(audio_tag(wav_bytes(5 * 24_000, 24_000)), 24_000, 5 * 24_000))
    e = errors(tmp_path)
    assert e[0] == ['sample rate 16000 Hz, expected data-sr=24000']
    assert e[1] == ['2400 samples, expected data-samples=2000']
    assert e[2] == ['lasts 5.000 s, over data-max-seconds=4']

def test_broken_src_fails(tmp_path):
    page(tmp_path, 'a.html', '<audio controls><source src="data:audio/wav;base64,AAAA" type="audio/wav"/></audio>',
         '<audio controls src="missing.wav"></audio>', '<audio controls></audio>',
         '<audio controls><source src="data:audio/mpeg;base64,AAAA"/></audio>')
    e = errors(tmp_path)
    assert 'not a RIFF/WAVE file' in e[0][0]
    assert "src file 'missing.wav' does not exist" in e[1][0]
    assert 'no src' in e[2][0]
    assert "type 'audio/mpeg'" in e[3][0]

def test_main_exit_codes(tmp_path, capsys):
    page(tmp_path, 'empty.html', '<p>no players here</p>')
    assert dc.main([str(tmp_path), '--no-browser']) == 1
    assert 'no <audio> players found' in capsys.readouterr().out
    page(tmp_path, 'a.html', wrapped(audio_tag(wav_bytes(2400, 24_000)), 24_000, 2400))
    assert dc.main([str(tmp_path), '--no-browser']) == 0
    assert 'docs-check: 2 pages (1 with players), 1 audio players (1 with codectok expectations): all valid WAVs' in capsys.readouterr().out
    page(tmp_path, 'b.html', wrapped(audio_tag(wav_bytes(2400, 24_000)), 24_000, 99))
    assert dc.main([str(tmp_path), '--no-browser']) == 1
    out = capsys.readouterr().out
    assert 'docs-check: FAIL b.html player 1: 2400 samples, expected data-samples=99' in out
    assert 'FAIL: 1 of 2 audio players' in out

@needs_chromium
def test_chromium_loads_good_and_rejects_broken(tmp_path):
    good = play(np.sin(np.arange(12_000) * 0.1), 24_000)._repr_html_()
    page(tmp_path, 'a.html', good, '<audio controls><source src="data:audio/wav;base64,AAAA" type="audio/wav"/></audio>', good)
    pages, players = dc.check(tmp_path, CHROMIUM, browser=True)
    assert players[0].errors == [] and players[2].errors == []
    assert any('Chromium cannot load it: readyState=0' in e for e in players[1].errors), players[1].errors


def test_a_player_still_loading_gets_a_longer_try_and_fails_only_if_it_never_loads(tmp_path, monkeypatch):
    "Virtual time can outrun a busy machine: a still-loading player (no data, no error) is retried with longer waits."
    players = [dc.Player(tmp_path/'p.html', 0, None)]
    loading, loaded, broken = [0, 'NaN', 2, None], [4, 1.0, 1, None], [0, 'NaN', 3, 'source failed to load']
    def fake(answers):
        calls = []
        def report(page, chromium, timeout=120, wait_ms=5000): calls.append(wait_ms); return [answers[len(calls) - 1]]
        return report, calls
    report, calls = fake([loading, loaded])
    monkeypatch.setattr(dc, 'browser_report', report)
    dc.check_browser(tmp_path/'p.html', players, 'chromium')
    assert players[0].errors == [] and calls == list(dc.WAITS_MS[:2])
    report, calls = fake([loading] * len(dc.WAITS_MS))
    monkeypatch.setattr(dc, 'browser_report', report)
    dc.check_browser(tmp_path/'p.html', players, 'chromium')
    assert calls == list(dc.WAITS_MS) and 'readyState=0' in players[0].errors[0]
    players[0].errors.clear()
    report, calls = fake([broken])                                       # an error is final: no second try
    monkeypatch.setattr(dc, 'browser_report', report)
    dc.check_browser(tmp_path/'p.html', players, 'chromium')
    assert len(calls) == 1 and 'source failed to load' in players[0].errors[0]


# ---- course checks: the chapters as the docs page shows them (tiny synthetic notebooks) ----

def md(src:str) -> dict: return dict(cell_type='markdown', metadata={}, source=src)

def code(src:str, *outputs) -> dict:
    return dict(cell_type='code', metadata={}, source=src, outputs=list(outputs), execution_count=None)

def stream(text:str) -> dict: return dict(output_type='stream', name='stdout', text=text)

def result(**data) -> dict:
    return dict(output_type='execute_result', data={k.replace('_', '/', 1): v for k, v in data.items()}, metadata={}, execution_count=1)

PNG = dict(output_type='display_data', data={'image/png': 'iVBORw0KGgo=', 'text/plain': '<Figure size 640x480 with 1 Axes>'}, metadata={})

def write_nb(d:Path, name:str, *cells) -> Path:
    p = d/name; d.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(dict(cells=list(cells), metadata={}, nbformat=4, nbformat_minor=5))); return p

def chapter(*body) -> list:
    "A module chapter: default_exp, title, an exported imports cell, then `body`."
    return [code('#| default_exp toy'), md('# Toy\n\n> A toy chapter.'), code('#| export\nimport torch'), *body]

def course(p:Path, **kw) -> dict: return dc.course_check_nb(p, **kw)

EXPORTED = code('#| export\ndef roll(x, n):\n    "Roll `x` by `n`."\n    return x[-n:] + x[:-n]')

def test_directives_parsed_like_nbdev():
    assert dc.cell_directives('#| export\n#|  fig-cap: "A, b: c"\n\n#| echo: false\nx = 1\n#| not: a directive') == (
        {'export': '', 'fig-cap': '"A, b: c"', 'echo': 'false'}, 'x = 1\n#| not: a directive')
    assert dc.cell_directives('x = 1') == ({}, 'x = 1')

def test_chapter_hiding_every_exported_definition_fails(tmp_path):
    r = course(write_nb(tmp_path, 'a.ipynb', *chapter(EXPORTED, md('Some prose.'), code('roll([1, 2, 3], 1)'))))
    assert r['failures'] == ['a.ipynb: shows no source of any of its 1 exported definitions of codectok.toy '
                             '(none in a visible `#| exports` cell, no visible readable version of one)']
    assert r['report']['visible_exported_defs'] == 0 and r['report']['exported_defs'] == 1

def test_exports_cell_shows_the_source(tmp_path):
    shown = code(EXPORTED['source'].replace('#| export', '#| exports'))
    r = course(write_nb(tmp_path, 'a.ipynb', *chapter(shown)))
    assert r['failures'] == [] and r['report']['visible_exported_defs'] == 1
    hidden = code('#| exports\n#| echo: false\n' + EXPORTED['source'][10:])      # echo: false hides it again
    assert course(write_nb(tmp_path, 'b.ipynb', *chapter(hidden)))['failures'][0].startswith('b.ipynb: shows no source')

def test_visible_readable_version_counts_only_when_named_or_tested_against_the_export(tmp_path):
    naive = code('def roll_loop(x, n):\n    for _ in range(n): x = x[-1:] + x[:-1]\n    return x')
    assert course(write_nb(tmp_path, 'a.ipynb', *chapter(EXPORTED, naive)))['failures'] == []
    other = code('def rotate(x, n):\n    for _ in range(n): x = x[-1:] + x[:-1]\n    return x')
    assert course(write_nb(tmp_path, 'b.ipynb', *chapter(EXPORTED, other)))['failures'] != []       # just a helper
    tested = code('test_eq(rotate([1, 2, 3], 1), roll([1, 2, 3], 1))')
    r = course(write_nb(tmp_path, 'c.ipynb', *chapter(EXPORTED, other, tested)))
    assert r['failures'] == [] and r['report']['visible_reference_versions'] == 1
    hidden_naive = code('#| hide\n' + naive['source'])
    assert course(write_nb(tmp_path, 'd.ipynb', *chapter(EXPORTED, hidden_naive)))['failures'] != []

def test_stub_and_non_module_notebooks_are_exempt(tmp_path):
    r = course(write_nb(tmp_path, 'stub.ipynb', *chapter(md('Moved to chapter 07.'))))
    assert r['failures'] == [] and r['report']['stub'] is True
    r = course(write_nb(tmp_path, 'index.ipynb', md('# codectok\n\n> Hello.'), code('print(1)')))
    assert r['failures'] == [] and r['report']['module'] is None

def test_raw_markdown_printed_as_text_fails(tmp_path):
    table = '| model | score |\n|---|---|\n| a | 1 |\n'
    p = write_nb(tmp_path, 'a.ipynb', code('print(open("t.md").read())', stream(table)),
                 code('s', result(text_plain="'the **best** row'")),
                 code('x', result(text_plain='x**2 + y**2 = 1; **kwargs; a | b |')))
    f = course(p)['failures']
    assert f == ["a.ipynb cell 0: output is raw markdown text: a markdown pipe table printed as text ('| model | score |')",
                 "a.ipynb cell 1: output is raw markdown text: literal markdown bold printed as text ('**best**')"]

def test_markdown_rendered_as_markdown_passes(tmp_path):
    table = '| model | score |\n|---|---|\n| **a** | 1 |\n'
    p = write_nb(tmp_path, 'a.ipynb', code('Markdown(t)', result(text_markdown=table, text_plain=table)),
                 code('#| hide\nprint(t)', stream(table)), code('#| output: false\nprint(t)', stream(table)),
                 code('df', result(text_html='<table></table>', text_plain=table)))
    assert course(p)['failures'] == []

def test_markdown_cell_over_the_word_guideline_fails(tmp_path):
    ok = md('## Heading\n\n' + 'word ' * 248 + '\n\n```python\n' + 'x = 1 ' * 100 + '\n```\n\n$$\n' + 'a + b ' * 100 + '$$\n'
            '[link](https://example.com/a/very/long/url) | --- |')
    long = md('word ' * 251)
    r = course(write_nb(tmp_path, 'a.ipynb', ok, long))
    assert r['failures'] == ["a.ipynb cell 1: markdown cell of 251 words (guideline 250): 'word word word word word word word word word word word word…'"]
    assert r['report']['words'] == 250 + 251

def test_figure_without_caption_fails(tmp_path):
    p = write_nb(tmp_path, 'a.ipynb', code('plt.plot([1, 2]);', PNG),
                 code('#| fig-cap: "A line: it rises."\nplt.plot([1, 2]);', PNG),
                 code('#| echo: false\n#| fig-cap: A line.\nplt.plot([1, 2]);', PNG),
                 code('#| hide\nplt.plot([1, 2]);', PNG), code('#| include: false\nplt.plot([1, 2]);', PNG))
    r = course(p)
    assert r['failures'] == ['a.ipynb cell 0: figure without a caption (add `#| fig-cap: ...` to the cell)']
    assert (r['report']['figures'], r['report']['figures_with_captions']) == (3, 2)

def test_report_and_max_line_warning(tmp_path):
    wide = 'y = ' + ' + '.join(['1'] * 30)          # 121 characters
    p = write_nb(tmp_path, 'a.ipynb', *chapter(code(EXPORTED['source'].replace('#| export', '#| exports')),
                 md('Two words.'), code(wide), code('#| hide\n' + wide + ' + 1 + 1')))
    r = course(p, max_line=100)
    assert r['report'] == dict(module='toy', stub=False, words=2, exported_defs=1, visible_exported_defs=1,
                               visible_reference_versions=0, figures=0, figures_with_captions=0, max_code_line=121,
                               code_lines_over_max=1)
    assert r['failures'] == [] and r['warnings'] == ['a.ipynb: 1 shown code line(s) over 100 characters (longest 121) in 1 cell(s): 5']
    assert course(p, max_line=121)['warnings'] == [] and 'code_lines_over_max' not in course(p)['report']

def test_prose_in_the_title_cell_is_flagged(tmp_path):
    p = write_nb(tmp_path, 'a.ipynb', md('# Title\n\n> Summary.\n\nThis paragraph vanishes.'), md('Kept.'))
    r = course(p)
    assert r['warnings'] == ['a.ipynb cell 0: the title cell holds 3 more words, which nbdev drops from the page '
                             '(it keeps only `# title` and `> summary`)']
    assert r['report']['words'] == 1

def test_processed_notebook_is_read_as_nbdev_left_it(tmp_path):
    "On _proc/ notebooks exports come from the source notebook, visibility from what nbdev_proc_nbs kept."
    src = write_nb(tmp_path/'nbs', 'a.ipynb', *chapter(EXPORTED, md('Prose.')))
    warn = md(dc.NBDEV_WARNING)
    card = code('#| echo: false\n#| output: asis\nshow_doc(roll)', result(text_markdown='### roll\n\n> roll (x, n)', text_plain='...'))
    proc = write_nb(tmp_path/'_proc', 'a.ipynb', dict(cell_type='raw', metadata={}, source='---\ntitle: Toy\n---'), warn, card, md('Prose.'))
    r = course(proc)
    assert dc.is_processed(json.loads(proc.read_text())) and r['report']['words'] == 1
    assert r['failures'][0].startswith('a.ipynb: shows no source of any of its 1 exported definitions')
    shown = code('#| code-fold: show\n#| code-summary: "Exported source"\n' + EXPORTED['source'][10:])
    proc = write_nb(tmp_path/'_proc', 'a.ipynb', warn, card, shown, md('Prose.'))
    assert course(proc)['failures'] == [] and course(proc)['report']['visible_exported_defs'] == 1
    (tmp_path/'nbs'/'a.ipynb').unlink()
    assert 'its source notebook' in course(proc)['failures'][0]
    assert course(proc, src_path=src.parent.parent/'nbs2'/'a.ipynb')['failures'][0].endswith('(needed to know what it exports)')

def test_main_course_exit_codes_and_results_record(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(dc, 'RESULTS', tmp_path/'results'/'docs_check.json')
    (tmp_path/'results').mkdir(); dc.RESULTS.write_text(json.dumps(dict(players=30, failed=0)))
    good = tmp_path/'good'; write_nb(good, 'a.ipynb', *chapter(code(EXPORTED['source'].replace('#| export', '#| exports'))))
    assert dc.main(['--course', str(good), '--write-results']) == 0
    out = capsys.readouterr().out
    assert 'course-check: 1 notebooks in' in out and 'FAIL' not in out and '<audio>' not in out
    rec = json.loads(dc.RESULTS.read_text())
    assert rec['players'] == 30 and rec['course']['failed'] == 0 and rec['course']['chapters']['a.ipynb']['visible_exported_defs'] == 1
    bad = tmp_path/'bad'; write_nb(bad, 'a.ipynb', *chapter(EXPORTED, code('plot()', PNG)))
    assert dc.main(['--course', str(bad)]) == 1
    out = capsys.readouterr().out
    assert 'course-check: FAIL a.ipynb cell 4: figure without a caption' in out and 'course-check: FAIL: 2 problems' in out
    assert dc.main(['--course', str(tmp_path/'empty')]) == 1
    (tmp_path/'empty').mkdir(); assert dc.main(['--course', str(tmp_path/'empty')]) == 1
    assert 'no notebooks in' in capsys.readouterr().out

def test_processed_notebook_names_source_cells_and_refuses_a_stale_copy(tmp_path):
    import os
    fig = code('plt.plot([1]);', PNG); fig['id'] = 'f1'
    src = write_nb(tmp_path/'nbs', 'a.ipynb', md('# Toy'), md('Prose.'), fig)
    proc = write_nb(tmp_path/'_proc', 'a.ipynb', md(dc.NBDEV_WARNING), md('Prose.'), fig, code('plt.plot([2]);', PNG))
    assert course(proc)['failures'] == ['a.ipynb cell 2: figure without a caption (add `#| fig-cap: ...` to the cell)',
                                        'a.ipynb cell 3 of the processed copy: figure without a caption (add `#| fig-cap: ...` to the cell)']
    t = proc.stat().st_mtime; os.utime(src, (t + 10, t + 10))
    assert course(proc)['failures'][0] == (f'a.ipynb: the processed copy {proc} is older than its source {src} '
                                           '(stale: rerun scripts/docs_preview.sh, or nbdev_proc_nbs --force)')

_qspec = importlib.util.spec_from_file_location('quarto_like', Path(__file__).resolve().parent.parent/'scripts'/'quarto_like.py')
ql = importlib.util.module_from_spec(_qspec); _qspec.loader.exec_module(ql)

def test_quarto_like_preview_applies_cell_options():
    nb = dict(cells=[code('#| echo: false\n#| output: asis\nshow_doc(f)', result(text_markdown='### f')),
                     code('#| include: false\nsecret = 1'),
                     code('#| output: false\nprint(1)', stream('1\n')),
                     code('#| fig-cap: "A <line>."\nplt.plot([1]);', PNG), code('x = 1')], metadata={})
    cells = ql.quarto_like(nb)['cells']
    assert [c['source'] for c in cells] == ['show_doc(f)', 'print(1)', 'plt.plot([1]);', 'x = 1']
    assert [c['metadata'].get('tags') for c in cells] == [['remove_input'], ['remove_output'], [], []]
    assert cells[2]['outputs'][1]['data']['text/html'] == ql.CAPTION.format('A &lt;line&gt;.')
    assert len(cells[3]['outputs']) == 0 and nb['cells'][3]['source'].startswith('#| fig-cap')   # input left alone

def test_processed_folder_missing_a_notebook_fails(tmp_path):
    write_nb(tmp_path/'nbs', 'a.ipynb', md('Prose.')); write_nb(tmp_path/'nbs', 'b.ipynb', md('Prose.'))
    write_nb(tmp_path/'_proc', 'a.ipynb', md(dc.NBDEV_WARNING), md('Prose.'))
    assert dc.course_check(tmp_path/'_proc')['failures'] == [f"b.ipynb: no processed copy in {tmp_path/'_proc'} (did nbdev_proc_nbs fail on it?)"]
    write_nb(tmp_path/'_proc', 'b.ipynb', md(dc.NBDEV_WARNING), md('Prose.'))
    assert dc.course_check(tmp_path/'_proc')['failures'] == []
