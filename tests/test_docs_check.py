"Tests of the offline docs check (scripts/docs_check.py) on small synthetic pages."
import base64, importlib.util, io, wave
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
