"""Caches (issue 37): each cache file is recorded (size + SHA-256) when written; a truncated or changed one is detected,
reported with a `CacheWarning` and rebuilt; two processes building the same cache at once (started together on one
fresh `CODECTOK_CACHE`) both get a whole, verified result, and the render runs once."""
import json, os, subprocess, sys, time, warnings
from pathlib import Path
import pytest

WAIT_FOR_BOTH = '''
import os, sys, time
from pathlib import Path
me, other = Path(sys.argv[1]), Path(sys.argv[2])
me.touch()
while not other.exists(): time.sleep(0.01)          # start the work together
t0 = time.time()
'''

RENDER = WAIT_FOR_BOTH + '''
from codectok.data import render_nsynth_mini
root = render_nsynth_mini(max_notes=12, n_phrases=2, n_workers=1)
print('ROOT', root, t0, time.time())
'''

BUILD = WAIT_FOR_BOTH + '''
from codectok.core import cached_file
def build(tmp):
    with open(os.environ['BUILD_LOG'], 'a') as f: f.write(f'{os.getpid()}\\n')
    time.sleep(1.0); Path(tmp).write_bytes(b'expensive result ' * 10_000)
p = cached_file(Path(os.environ['CODECTOK_CACHE'])/'entry.bin', build)
print('SIZE', p.stat().st_size, t0, time.time())
'''

TOKENS = WAIT_FOR_BOTH + '''
import torch
try: from codectok.codec_lm_train import cache_codec_tokens
except ImportError: from codectok.gpt import cache_codec_tokens
data = [dict(wav=torch.linspace(-1, 1, 640) * (i + 1) / 8) for i in range(6)]
enc = lambda w: (w.clamp(-1, 1)[:, :, ::80] * 7 + 8).long().reshape(w.shape[0], 2, -1)
codes = cache_codec_tokens(enc, data, 'toy', batch_size=2)
print('SUM', int(codes.sum()), tuple(codes.shape))
'''

def _together(script:str, tmp:Path, env_extra:dict|None=None) -> list[str]:
    "Run `script` in two processes that start their work at the same moment; their stdouts (both must exit 0)."
    env = dict(os.environ, CODECTOK_CACHE=str(tmp/'cache'), OMP_NUM_THREADS='1', PYTHONWARNINGS='ignore', **(env_extra or {}))
    a, b = tmp/'ready_a', tmp/'ready_b'
    procs = [subprocess.Popen([sys.executable, '-c', script, str(x), str(y)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for x, y in ((a, b), (b, a))]
    outs = [p.communicate(timeout=900) for p in procs]
    for p, (o, e) in zip(procs, outs): assert p.returncode == 0, e[-3000:]
    return [o for o, _ in outs]

def _line(out:str, tag:str) -> list[str]: return next(l for l in out.splitlines() if l.startswith(tag)).split()[1:]

def _tmp_files(root:Path) -> list[Path]: return [p for p in root.rglob('*') if p.name.endswith('.tmp') or '.nsynth-' in p.name]

def test_two_renders_at_once(tmp_path):
    from codectok.core import file_record
    outs = _together(RENDER, tmp_path)
    (r1, s1, e1), (r2, s2, e2) = [_line(o, 'ROOT') for o in outs]
    assert r1 == r2
    assert float(s1) < float(e2) and float(s2) < float(e1)              # the two calls overlapped in time...
    assert sum('rendered in' in o for o in outs) == 1                   # ...and only one of them rendered
    root = Path(r1)
    meta = json.loads((root/'nsynth_mini.json').read_text())
    assert len(meta['files']) == 12 + 2 + 6                             # notes, phrases, examples.json of 3 splits x 2
    assert all(file_record(root/rel) == rec for rel, rec in meta['files'].items())
    assert _tmp_files(root) == []

def test_truncated_and_changed_render_files_are_rebuilt(tmp_path, monkeypatch):
    from codectok.core import CacheWarning
    from codectok.data import render_nsynth_mini
    monkeypatch.setenv('CODECTOK_CACHE', str(tmp_path/'cache'))
    root = render_nsynth_mini(max_notes=6, n_phrases=2, n_workers=1, verbose=False)
    wavs = sorted(root.glob('*/audio/*.wav'))
    good = {w: w.read_bytes() for w in wavs}
    wavs[0].write_bytes(good[wavs[0]][:5_000])                          # truncated
    changed = bytearray(good[wavs[1]]); changed[-10] ^= 0xFF; wavs[1].write_bytes(bytes(changed))   # same size, one byte off
    wavs[2].unlink()                                                    # missing
    untouched = {w: w.stat().st_mtime_ns for w in wavs[3:]}
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter('always'); render_nsynth_mini(max_notes=6, n_phrases=2, n_workers=1, verbose=False)
    msgs = [str(w.message) for w in ws if issubclass(w.category, CacheWarning)]
    assert len(msgs) == 1 and '3 files failed their check' in msgs[0], msgs
    assert all(w.read_bytes() == good[w] for w in wavs)                 # rebuilt byte-identical (rendering is deterministic)
    assert {w: w.stat().st_mtime_ns for w in wavs[3:]} == untouched     # and nothing else was redone
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter('always'); render_nsynth_mini(max_notes=6, n_phrases=2, n_workers=1, verbose=False)
    assert not [w for w in ws if issubclass(w.category, CacheWarning)]  # whole again: reused silently

def test_two_builders_of_one_entry_build_once(tmp_path):
    log = tmp_path/'builds.log'
    outs = _together(BUILD, tmp_path, dict(BUILD_LOG=str(log)))
    (z1, s1, e1), (z2, s2, e2) = [_line(o, 'SIZE') for o in outs]
    assert z1 == z2 == str(len(b'expensive result ') * 10_000)
    assert float(s1) < float(e2) and float(s2) < float(e1)              # they overlapped
    assert len(log.read_text().splitlines()) == 1                       # one built, the other waited and reused it

def test_token_cache_concurrent_and_truncated(tmp_path, monkeypatch):
    from codectok.core import CacheWarning, verify_cached
    outs = _together(TOKENS, tmp_path)
    assert _line(outs[0], 'SUM') == _line(outs[1], 'SUM')
    path = tmp_path/'cache'/'tokens'/'toy.safetensors'
    assert verify_cached(path) and _tmp_files(path.parent) == []
    monkeypatch.setenv('CODECTOK_CACHE', str(tmp_path/'cache'))
    import torch
    try: from codectok.codec_lm_train import cache_codec_tokens        # where chapter 07 exports it
    except ImportError: from codectok.gpt import cache_codec_tokens
    data = [dict(wav=torch.linspace(-1, 1, 640) * (i + 1) / 8) for i in range(6)]
    enc = lambda w: (w.clamp(-1, 1)[:, :, ::80] * 7 + 8).long().reshape(w.shape[0], 2, -1)
    before = cache_codec_tokens(None, data, 'toy').clone()              # verified: loaded, `encode` never called
    path.write_bytes(path.read_bytes()[:-40])                           # a truncated cache file
    with pytest.warns(CacheWarning, match='is truncated'):
        after = cache_codec_tokens(enc, data, 'toy')                    # detected, reported, rebuilt
    assert torch.equal(before, after) and verify_cached(path)
