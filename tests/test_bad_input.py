"""Bad input, end to end (issue 37): every CLI case exits with status 2, names the problem on stderr without a traceback,
and writes nothing (an output that existed before is left byte-identical); every API case raises the documented
exception with a message that names the problem. Downloads are disabled (`CODECTOK_OFFLINE=1`), so the offline cases
behave the same on machines with and without internet."""
import json, os, signal, subprocess, sys, tempfile, threading, time, shutil
from pathlib import Path
import numpy as np
import pytest
import soundfile as sf
import torch

CLI = [sys.executable, '-c', 'import sys; from codectok.cli import main; sys.exit(main())']
META = dict(format='codectok-tokens-v1', codec='mini', sample_rate=24_000, frame_rate=75.0, codebook_size=1024, n_q=8,
            n_samples=3_200)
OLD = b'an earlier output that must survive'

def _npz(path, codes=None, meta=None, **arrays):
    "A token-file look-alike: `codes` (default ten frames of zeros) and `meta` (a dict, or None to leave it out)."
    codes = np.zeros((1, 8, 10), np.int16) if codes is None else codes
    if meta is not None: arrays['meta'] = json.dumps(meta)
    np.savez(path, codes=codes, **arrays)

@pytest.fixture(scope='module')
def d(tmp_path_factory):
    "The one tiny input set every case shares."
    d = tmp_path_factory.mktemp('bad_input')
    sr = 24_000
    sf.write(d/'in.wav', (0.3 * np.sin(2 * np.pi * 220 * np.arange(int(0.6 * sr)) / sr)).astype(np.float32), sr)
    (d/'empty.wav').write_bytes(b'')
    (d/'text.wav').write_text('this is not audio')
    (d/'truncated.wav').write_bytes((d/'in.wav').read_bytes()[:30])                  # cut inside the header
    sf.write(d/'nan.wav', np.array([0.1] * 4_000 + [np.nan] * 10, np.float32), sr, subtype='FLOAT')
    sf.write(d/'one.wav', np.array([0.1], np.float32), sr)
    (d/'adir').mkdir(); (d/'out_dir.npz').mkdir(); (d/'out_dir.wav').mkdir()
    _npz(d/'good.npz', meta=META)
    (d/'empty.npz').write_bytes(b'')
    (d/'garbage.npz').write_bytes(bytes(range(256)) * 4)
    (d/'truncated.npz').write_bytes((d/'good.npz').read_bytes()[:200])
    np.savez(d/'object.npz', codes=np.array([{'a': 1}, None], dtype=object), meta=json.dumps(META))
    _npz(d/'float.npz', np.full((1, 8, 10), 3.5, np.float32), META)
    _npz(d/'whole_float.npz', np.full((1, 8, 10), 3.0, np.float64), META)             # integral floats: refused too
    _npz(d/'bool.npz', np.ones((1, 8, 10), bool), META)
    _npz(d/'rank2.npz', np.zeros((8, 10), np.int16), META)
    _npz(d/'wrong_nq.npz', np.zeros((1, 4, 10), np.int16), META)
    _npz(d/'no_frames.npz', np.zeros((1, 8, 0), np.int16), META)
    _npz(d/'no_meta.npz')
    _npz(d/'no_nq.npz', meta={k: v for k, v in META.items() if k != 'n_q'})
    _npz(d/'bad_rate.npz', meta=dict(META, sample_rate='fast'))
    _npz(d/'list_meta.npz', meta=[1, 2])
    _npz(d/'negative.npz', np.full((1, 8, 10), -1, np.int16), META)
    _npz(d/'too_big.npz', np.full((1, 8, 10), 5_000, np.int16), META)
    _npz(d/'encodec.npz', meta=dict(META, codec='encodec_24khz'))
    _npz(d/'unknown.npz', meta=dict(META, codec='mp3'))
    return d

@pytest.fixture(scope='module')
def env(d):
    return dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', CODECTOK_OFFLINE='1', CODECTOK_CACHE=str(d/'cache'),
                MPLBACKEND='Agg', PYTHONWARNINGS='ignore')

# (case id, argv with {d} for the input folder, words the error must contain, output file, whether it exists beforehand)
CLI_CASES = [
    ('tokenize-missing', 'tokenize {d}/missing.wav {d}/t1.npz', 'No audio file at', 't1.npz', False),
    ('tokenize-empty-file', 'tokenize {d}/empty.wav {d}/t2.npz', 'not a readable audio file', 't2.npz', False),
    ('tokenize-not-audio', 'tokenize {d}/text.wav {d}/t3.npz', 'not a readable audio file', 't3.npz', True),
    ('tokenize-truncated', 'tokenize {d}/truncated.wav {d}/t4.npz', 'not a readable audio file', 't4.npz', False),
    ('tokenize-nan', 'tokenize {d}/nan.wav {d}/t5.npz', 'NaN or infinite', 't5.npz', True),
    ('tokenize-one-sample', 'tokenize {d}/one.wav {d}/t6.npz', 'at least 320 are needed', 't6.npz', False),
    ('tokenize-directory', 'tokenize {d}/adir {d}/t7.npz', 'is a directory, not an audio file', 't7.npz', False),
    ('tokenize-output-not-npz', 'tokenize {d}/in.wav {d}/t8.wav', 'must be a .npz token file', 't8.wav', True),
    ('tokenize-output-is-directory', 'tokenize {d}/in.wav {d}/out_dir.npz', 'it is a directory', None, False),
    ('tokenize-n-q-0', 'tokenize {d}/in.wav {d}/t9.npz --n-q 0', 'n_q must be a positive integer', 't9.npz', False),
    ('tokenize-n-q-9', 'tokenize {d}/in.wav {d}/t10.npz --n-q 9', 'valid n_q: 1..8', 't10.npz', False),
    ('tokenize-chunk-0', 'tokenize {d}/in.wav {d}/t11.npz --chunk-seconds 0', 'chunk_seconds must be > 0', 't11.npz', False),
    ('tokenize-unknown-codec', 'tokenize {d}/in.wav {d}/t12.npz --codec mp3', "invalid choice: 'mp3'", 't12.npz', False),
    ('tokenize-encodec-offline', 'tokenize {d}/in.wav {d}/t13.npz --codec encodec_24khz',
     "('encodec_24khz') must be downloaded, which needs the internet", 't13.npz', True),
    ('detokenize-missing', 'detokenize {d}/missing.npz {d}/x1.wav', 'no token file at', 'x1.wav', False),
    ('detokenize-directory', 'detokenize {d}/adir {d}/x2.wav', 'is a directory, not a token file', 'x2.wav', False),
    ('detokenize-empty-file', 'detokenize {d}/empty.npz {d}/x3.wav', 'not a codectok token file', 'x3.wav', False),
    ('detokenize-garbage', 'detokenize {d}/garbage.npz {d}/x4.wav', 'not a codectok token file', 'x4.wav', True),
    ('detokenize-truncated', 'detokenize {d}/truncated.npz {d}/x5.wav', 'not a codectok token file', 'x5.wav', False),
    ('detokenize-object-array', 'detokenize {d}/object.npz {d}/x6.wav', 'pickled Python objects, which are never loaded', 'x6.wav', False),
    ('detokenize-float-codes', 'detokenize {d}/float.npz {d}/x7.wav', 'codes are stored as float32', 'x7.wav', True),
    ('detokenize-integral-float-codes', 'detokenize {d}/whole_float.npz {d}/x8.wav', 'even when every value is whole', 'x8.wav', False),
    ('detokenize-bool-codes', 'detokenize {d}/bool.npz {d}/x9.wav', 'codes are stored as bool', 'x9.wav', False),
    ('detokenize-wrong-rank', 'detokenize {d}/rank2.npz {d}/x10.wav', 'do not match (B, n_q=8, T)', 'x10.wav', False),
    ('detokenize-wrong-n-q', 'detokenize {d}/wrong_nq.npz {d}/x11.wav', 'do not match (B, n_q=8, T)', 'x11.wav', False),
    ('detokenize-no-frames', 'detokenize {d}/no_frames.npz {d}/x12.wav', 'the codes are empty', 'x12.wav', False),
    ('detokenize-missing-meta', 'detokenize {d}/no_meta.npz {d}/x13.wav', "not a codectok token file", 'x13.wav', False),
    ('detokenize-missing-key', 'detokenize {d}/no_nq.npz {d}/x14.wav', "the token metadata lacks 'n_q'", 'x14.wav', False),
    ('detokenize-bad-meta-type', 'detokenize {d}/bad_rate.npz {d}/x15.wav', "sample_rate='fast'; expected a positive number", 'x15.wav', False),
    ('detokenize-meta-not-object', 'detokenize {d}/list_meta.npz {d}/x16.wav', 'not a JSON object', 'x16.wav', False),
    ('detokenize-negative-codes', 'detokenize {d}/negative.npz {d}/x17.wav', 'code values must be in [0, 1024), got min -1', 'x17.wav', False),
    ('detokenize-codes-out-of-range', 'detokenize {d}/too_big.npz {d}/x18.wav', 'got min 5000 and max 5000', 'x18.wav', True),
    ('detokenize-encodec-offline', 'detokenize {d}/encodec.npz {d}/x19.wav',
     "made by codec 'encodec_24khz', and only that codec can decode it", 'x19.wav', True),
    ('detokenize-unknown-codec', 'detokenize {d}/unknown.npz {d}/x20.wav', "unknown codec 'mp3'", 'x20.wav', False),
    ('detokenize-output-suffix', 'detokenize {d}/good.npz {d}/x21.mp4', 'must be an audio file ending in', 'x21.mp4', False),
    ('detokenize-output-is-directory', 'detokenize {d}/good.npz {d}/out_dir.wav', 'it is a directory', None, False),
    ('generate-temperature', 'generate --temperature -1 -o {d}/g1.wav', 'temperature must be >= 0', 'g1.wav', True),
    ('generate-top-k', 'generate --top-k 0 -o {d}/g2.wav', 'top_k must be None or an int >= 1', 'g2.wav', False),
    ('generate-top-p', 'generate --top-p 1.5 -o {d}/g3.wav', 'top_p must be None or a number in (0, 1]', 'g3.wav', False),
    ('generate-seconds-0', 'generate --seconds 0 -o {d}/g4.wav', 'seconds must be a number in (0, 600]', 'g4.wav', False),
    ('generate-seconds-nan', 'generate --seconds nan -o {d}/g5.wav', 'seconds must be a number in (0, 600]', 'g5.wav', False),
    ('generate-seconds-too-long', 'generate --seconds 601 -o {d}/g6.wav', 'seconds must be a number in (0, 600]', 'g6.wav', False),
    ('generate-pitch', 'generate --pitch 200 -o {d}/g7.wav', 'pitch must be a MIDI number', 'g7.wav', False),
    ('generate-family', 'generate --family banjo -o {d}/g8.wav', 'unknown instrument family', 'g8.wav', False),
    ('generate-batch', 'generate --batch 0 -o {d}/g9.wav', 'batch must be a positive integer', 'g9.wav', False),
    ('generate-prompt-directory', 'generate --prompt {d}/adir -o {d}/g10.wav', 'is a directory, not an audio file', 'g10.wav', False),
    ('generate-prompt-nan', 'generate --prompt {d}/nan.wav -o {d}/g11.wav', 'NaN or infinite', 'g11.wav', False),
    ('generate-missing-lm', 'generate --lm {d}/nope.safetensors -o {d}/g12.wav', 'no language model at', 'g12.wav', False),
    ('generate-tokens-suffix', 'generate --tokens {d}/g13.txt -o {d}/g13.wav', '--tokens must name a .npz', 'g13.wav', False),
    ('generate-threads', 'generate --threads 0 -o {d}/g14.wav', '--threads must be a positive integer', 'g14.wav', False),
    ('vamp-periodic', 'vamp {d}/in.wav --periodic 0 -o {d}/v1.wav', 'periodic must be an integer in [1', 'v1.wav', True),
    ('vamp-width', 'vamp {d}/in.wav --periodic 2 --width 5 -o {d}/v2.wav', 'width must be an integer in [0, 2]', 'v2.wav', False),
    ('vamp-compress', 'vamp {d}/in.wav --compress 9 -o {d}/v3.wav', 'the codec has 8', 'v3.wav', False),
    ('vamp-inpaint', 'vamp {d}/in.wav --inpaint -1 -o {d}/v4.wav', 'inpaint must be seconds >= 0', 'v4.wav', False),
    ('vamp-no-recipe', 'vamp {d}/in.wav -o {d}/v5.wav', 'at least one prompt recipe', 'v5.wav', False),
    ('vamp-steps', 'vamp {d}/in.wav --periodic 8 --steps 0 -o {d}/v6.wav', 'steps must be a positive integer', 'v6.wav', False),
    ('vamp-temperature', 'vamp {d}/in.wav --periodic 8 --temperature 0 -o {d}/v7.wav', 'temperature must be positive', 'v7.wav', False),
    ('vamp-input-directory', 'vamp {d}/adir --periodic 8 -o {d}/v8.wav', 'is a directory, not an audio file', 'v8.wav', False),
    ('vamp-missing-maskgit', 'vamp {d}/in.wav --periodic 8 --maskgit-dir {d}/adir -o {d}/v9.wav', 'no MaskGIT file at', 'v9.wav', False),
]

def _run(argv, env, **kw):
    "`codectok ARGV` in a fresh interpreter: (exit status, stdout, stderr)."
    r = subprocess.run(CLI + argv, env=env, capture_output=True, text=True, timeout=300, **kw)
    return r.returncode, r.stdout, r.stderr

# A fresh interpreter spends seconds importing torch & co. The battery runs each case in a process forked from one
# server that imported codectok once: the case gets its own process, exit status, stdout and stderr, as from the shell.
SERVER = r"""
import json, os, sys, traceback
import importlib, codectok.cli
for m in ('audio', 'data', 'codec', 'bundled', 'demo', 'sampling'):                            # shared imports, done once
    try: importlib.import_module(f'codectok.{m}')
    except ImportError: pass
for line in sys.stdin:
    job = json.loads(line)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            for fd, name in ((1, 'out'), (2, 'err')): os.dup2(os.open(job[name], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
            code = codectok.cli.main(job['argv'])
        except SystemExit as e: code = e.code if isinstance(e.code, int) else 1
        except BaseException: traceback.print_exc()
        finally:
            sys.stdout.flush(); sys.stderr.flush(); os._exit(code or 0)
    _, status = os.waitpid(pid, 0)
    print(json.dumps(os.waitstatus_to_exitcode(status)), flush=True)
"""

@pytest.fixture(scope='module')
def cli(d, env):
    "`cli(argv)` -> (exit status, stdout, stderr) of `codectok ARGV`, forked from a server with the imports done."
    server = subprocess.Popen([sys.executable, '-c', SERVER], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    def run(argv):
        out, err = d/'.case.out', d/'.case.err'
        server.stdin.write(json.dumps(dict(argv=argv, out=str(out), err=str(err))) + '\n'); server.stdin.flush()
        rc = json.loads(server.stdout.readline())
        return rc, out.read_text(), err.read_text()
    yield run
    server.stdin.close(); server.wait(timeout=60)

def _leftovers(folder:Path) -> list[str]:
    "Temporary files an interrupted atomic write would leave (`.name.XXXX.tmp`)."
    return sorted(p.name for p in folder.glob('.*.tmp'))

def _check_case(case, d, run):
    name, argv, words, out, existed = case
    target = d/out if out else None
    if target is not None and existed: target.write_bytes(OLD)
    rc, _, err = run(argv.format(d=d).split())
    assert rc == 2, (rc, err[-2000:])
    assert 'Traceback' not in err, err[-3000:]
    assert words in err, err[-2000:]
    assert len([l for l in err.splitlines() if 'error:' in l]) == 1, err     # one line says what went wrong
    if target is not None:
        assert (target.read_bytes() == OLD) if existed else not target.exists()
    assert _leftovers(d) == []

@pytest.mark.parametrize('case', CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_cli_bad_input(case, d, cli): _check_case(case, d, cli)

FRESH = ('tokenize-directory', 'detokenize-float-codes', 'detokenize-encodec-offline', 'generate-temperature', 'vamp-no-recipe')

@pytest.mark.parametrize('name', FRESH)
def test_cli_bad_input_fresh_process(name, d, env):
    "A few cases again through a brand-new interpreter, exactly as typed in a shell."
    _check_case(next(c for c in CLI_CASES if c[0] == name), d, lambda argv: _run(argv, env))

# ---- the same boundary from Python: (case id, call, exception type, words in the message)
def _api_cases(d):
    from codectok.core import check_writable, fetch_pretrained, OfflineError
    from codectok.data import download_nsynth
    from codectok.audio import load_audio, AudioReader, save_audio, save_audio_blocks
    from codectok.codec import get_codec
    from codectok.cli import load_tokens, save_tokens, tokenize_file, detokenize_file
    mini = lambda: get_codec('mini')
    x = torch.zeros(4_800)
    return [
        ('load_audio-missing', lambda: load_audio(d/'missing.wav'), FileNotFoundError, 'No audio file at'),
        ('load_audio-directory', lambda: load_audio(d/'adir'), IsADirectoryError, 'is a directory'),
        ('load_audio-not-audio', lambda: load_audio(d/'text.wav'), ValueError, 'not a readable audio file'),
        ('load_audio-nan', lambda: load_audio(d/'nan.wav'), ValueError, 'NaN or infinite'),
        ('load_audio-one-sample', lambda: load_audio(d/'one.wav'), ValueError, 'at least 320'),
        ('AudioReader-directory', lambda: AudioReader(d/'adir'), IsADirectoryError, 'is a directory'),
        ('AudioReader-nan', lambda: list(AudioReader(d/'nan.wav')), ValueError, 'NaN or infinite'),
        ('AudioReader-block', lambda: AudioReader(d/'in.wav', block_seconds=0), ValueError, 'block_seconds must be positive'),
        ('load_tokens-float', lambda: load_tokens(d/'float.npz'), ValueError, 'stored as float32'),
        ('load_tokens-object', lambda: load_tokens(d/'object.npz'), ValueError, 'pickled Python objects'),
        ('load_tokens-directory', lambda: load_tokens(d/'adir'), IsADirectoryError, 'not a token file'),
        ('load_tokens-out-of-range', lambda: load_tokens(d/'too_big.npz'), ValueError, 'code values must be in [0, 1024)'),
        ('encode-int16', lambda: mini().encode(np.zeros(4_800, np.int16)), ValueError, 'must be floating point'),
        ('encode-stereo', lambda: mini().encode(torch.zeros(2, 4_800)), ValueError, 'mono'),
        ('encode-too-short', lambda: mini().encode(torch.zeros(100)), ValueError, 'too short'),
        ('encode-nan', lambda: mini().encode(torch.full((4_800,), float('nan'))), ValueError, 'NaN'),
        ('encode-wrong-rate', lambda: mini().encode(x, sr=16_000), ValueError, 'resample first'),
        ('decode-float', lambda: mini().decode(torch.zeros(1, 8, 5)), ValueError, 'integer'),
        ('decode-rank', lambda: mini().decode(torch.zeros(8, 5, dtype=torch.long)), ValueError, 'rank 2'),
        ('decode-out-of-range', lambda: mini().decode(torch.full((1, 8, 5), 1024)), ValueError, 'code values must be in'),
        ('encode_long-chunk', lambda: mini().encode_long(x, chunk_seconds=float('inf')), ValueError, 'chunk_seconds must be > 0'),
        ('decode_stream-length', lambda: mini().decode_stream(torch.zeros(1, 8, 5, dtype=torch.long), length=-3), ValueError, 'length must be a positive'),
        ('get_codec-unknown', lambda: get_codec('mp3'), ValueError, 'unknown codec'),
        ('get_codec-encodec-offline', lambda: get_codec('encodec_24khz'), OfflineError, 'needs the internet'),
        ('nsynth-download-offline', lambda: download_nsynth('valid', d/'nsynth'), OfflineError, "the NSynth 'valid' split"),
        ('fetch-offline-names-switch', lambda: fetch_pretrained('X', lambda: __import__('socket').create_connection(('example.com', 80))),
         OfflineError, 'CODECTOK_PRETRAINED'),
        ('save_tokens-suffix', lambda: save_tokens(d/'api.txt', torch.zeros(1, 8, 5, dtype=torch.long), mini()), ValueError, 'end in .npz'),
        ('save_audio-suffix', lambda: save_audio(d/'api.mp4', np.zeros(400), 24_000), ValueError, 'suffixes'),
        ('save_audio_blocks-empty', lambda: save_audio_blocks(d/'api.wav', iter([]), 24_000), ValueError, 'every block was empty'),
        ('check_writable-directory', lambda: check_writable(d/'adir'), IsADirectoryError, 'it is a directory'),
        ('tokenize_file-directory', lambda: tokenize_file(d/'adir', d/'api.npz', mini()), IsADirectoryError, 'is a directory'),
        ('detokenize_file-mismatch', lambda: detokenize_file(d/'encodec.npz', d/'api.wav', mini()), ValueError, 'decode with --codec encodec_24khz'),
    ]

API_IDS = [c[0] for c in _api_cases(Path('/nonexistent'))]

@pytest.mark.parametrize('case_id', API_IDS)
def test_api_bad_input(case_id, d, monkeypatch):
    monkeypatch.setenv('CODECTOK_OFFLINE', '1')
    if case_id == 'get_codec-encodec-offline' and (Path(torch.hub.get_dir())/'checkpoints'/'encodec_24khz-d7cc33bc.th').exists():
        pytest.skip('EnCodec 24 kHz is in the torch hub cache here, so it loads without a network')
    _, call, exc, words = next(c for c in _api_cases(d) if c[0] == case_id)
    with pytest.raises(exc) as e: call()
    assert words in str(e.value), str(e.value)
    assert not any((d/f'api{s}').exists() for s in ('.txt', '.mp4', '.wav', '.npz'))
    assert _leftovers(d) == []

def test_gpt2_backbone_offline(monkeypatch):
    "CodecLMConfig(pretrained=True) offline: one OfflineError naming gpt2 (not transformers' OSError)."
    from huggingface_hub import try_to_load_from_cache
    if isinstance(try_to_load_from_cache('gpt2', 'config.json'), str): pytest.skip('gpt2 is in the Hugging Face cache here')
    from codectok.core import OfflineError
    from codectok.gpt import CodecLM, CodecLMConfig
    monkeypatch.setenv('CODECTOK_OFFLINE', '1')
    with pytest.raises(OfflineError, match=r"GPT-2 backbone \('gpt2'\) must be downloaded, which needs the internet"):
        CodecLM(CodecLMConfig(pretrained=True))

# ---- signals and permissions
def test_sigterm_during_long_generate(d, env):
    "SIGTERM while a 10-minute generation runs: exit 143, one line, no traceback, no partial file, the old output intact."
    out, tok = d/'long.wav', d/'long.npz'
    out.write_bytes(OLD)
    p = subprocess.Popen(CLI + ['generate', '--seconds', '600', '--seed', '0', '-o', str(out), '--tokens', str(tok)],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    err = []
    reader = threading.Thread(target=lambda: err.extend(iter(lambda: p.stderr.read(1), '')), daemon=True); reader.start()
    t0 = time.time()
    while 'generate:' not in ''.join(err) and p.poll() is None and time.time() - t0 < 180: time.sleep(0.2)
    assert p.poll() is None, ''.join(err)[-2000:]
    time.sleep(1.0)                                               # well inside the sampling loop
    p.send_signal(signal.SIGTERM)
    rc = p.wait(timeout=60); reader.join(timeout=10)
    stderr = ''.join(err)
    assert rc == 143, (rc, stderr[-2000:])
    assert 'codectok generate: terminated; no half-written file was left.' in stderr and 'Traceback' not in stderr
    assert out.read_bytes() == OLD and not tok.exists() and _leftovers(d) == []

AS_NOBODY = '''import os, sys, importlib, encodings.cp437, zipfile, zlib
import codectok.cli
for m in ('audio', 'data', 'codec', 'bundled', 'demo', 'sampling'):         # what the CLI imports, while still allowed to read it
    try: importlib.import_module(f'codectok.{m}')
    except ImportError: pass
if os.geteuid() == 0: os.setgroups([]); os.setgid(65534); os.setuid(65534)   # then run the command as nobody
sys.exit(codectok.cli.main(sys.argv[1:]))'''

@pytest.fixture(scope='module')
def shared():
    "A folder a non-root user can read, with a read-only and a writable subfolder."
    s = Path(tempfile.mkdtemp(prefix='codectok_perm_')); os.chmod(s, 0o755)
    sr = 24_000
    sf.write(s/'in.wav', (0.3 * np.sin(2 * np.pi * 220 * np.arange(int(0.6 * sr)) / sr)).astype(np.float32), sr)
    _npz(s/'good.npz', meta=META)
    (s/'ro').mkdir(); (s/'rw').mkdir()
    for f in ('in.wav', 'good.npz'): os.chmod(s/f, 0o644)
    os.chmod(s/'rw', 0o777); os.chmod(s/'ro', 0o555)
    if os.geteuid() == 0: os.chown(s/'ro', 65534, 65534)              # nobody's own folder, read-only even to nobody
    yield s
    os.chmod(s/'ro', 0o755); shutil.rmtree(s, ignore_errors=True)

PERM_CASES = [('tokenize', 'tokenize {s}/in.wav {s}/ro/out.npz', 'ro/out.npz'),
              ('detokenize-nested', 'detokenize {s}/good.npz {s}/ro/new/out.wav', 'ro/new'),
              ('generate', 'generate --seconds 0.2 -o {s}/ro/gen.wav', 'ro/gen.wav')]

@pytest.mark.parametrize('case', PERM_CASES, ids=[c[0] for c in PERM_CASES])
def test_unwritable_output_as_non_root(case, shared, env):
    "Run as a non-root user (root drops to nobody after the imports): an unwritable output folder is refused up front."
    name, argv, out = case
    r = subprocess.run([sys.executable, '-c', AS_NOBODY, *argv.format(s=shared).split()], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    assert 'permission denied in' in r.stderr and 'Traceback' not in r.stderr, r.stderr[-2000:]
    assert not (shared/out).exists() and list((shared/'ro').iterdir()) == []

def test_writable_output_as_non_root(shared, env):
    "The control: the same non-root user writes where it may (so the refusals above are about permissions)."
    r = subprocess.run([sys.executable, '-c', AS_NOBODY, 'tokenize', '--quiet', str(shared/'in.wav'), str(shared/'rw'/'out.npz')],
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (shared/'rw'/'out.npz').exists()
    if os.geteuid() == 0: assert (shared/'rw'/'out.npz').stat().st_uid == 65534
