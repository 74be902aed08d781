"""Speed and memory of codectok's mini codec (chapter 04).

(a) encode+decode real-time factor on CPU, batch 1, 10 s of audio (median of several runs, 1 thread and all threads),
    for the model as trained (weight norm, ConvTranspose1d) and as `get_codec` runs it (`fuse_for_inference_`: weight
    norm folded, polyphase upsampling; the same codes and audio), timed interleaved in one run;
(b) peak resident memory (ru_maxrss of a fresh subprocess) while tokenizing and detokenizing 10 minutes of audio,
    with `encode_long`/`decode_long` (chunked) and with plain `encode`/`decode` (one shot).

Uses the bundled trained weights when they exist, otherwise a randomly initialised MiniCodec (speed and memory do
not depend on training). Writes benchmarks/results/bench_codec.json and .md.

    python benchmarks/bench_codec.py [--seconds 10] [--long-minutes 10] [--chunk-seconds 30] [--skip-unchunked]
"""
import argparse, json, os, platform, resource, subprocess, sys, time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent/'results'


def build_codec(fuse: bool = True):
    "The mini codec as `get_codec('mini')` builds it (fused), or as trained (`fuse=False`)."
    import tempfile, torch
    from codectok.codec import MiniCodec, EncodecCodec, load_mini_codec, save_mini_codec
    from codectok.codec_metrics import harmonic_note
    from codectok.core import weights_dir
    if (weights_dir()/'mini_codec.safetensors').exists(): return EncodecCodec(load_mini_codec(fuse=fuse), n_q=8), 'trained'
    torch.manual_seed(0)
    notes = torch.stack([harmonic_note(m, 1.0, seed=m) for m in range(40, 80, 2)])[:, None]   # 1500 latent frames
    with tempfile.TemporaryDirectory() as d:
        path = save_mini_codec(MiniCodec().init_codebooks_(notes), Path(d)/'random')
        return EncodecCodec(load_mini_codec(path, fuse=fuse), n_q=8), 'random-init'


def test_audio(seconds: float):
    "A melody of harmonic notes, tiled to `seconds` (cheap to make for 10 minutes)."
    import torch
    from codectok.codec_metrics import harmonic_note
    bar = torch.cat([harmonic_note(m, 0.5, seed=m) for m in (60, 64, 67, 72, 67, 64, 60, 55)])   # 4 s
    n = int(seconds * 24_000)
    return bar.repeat(n // len(bar) + 1)[:n][None, None]


def current_rss_mb() -> float:
    "Resident set size now (not the peak), from /proc/self/statm."
    return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20


def rtf(seconds: float, threads: int, repeats: int = 9) -> list:
    "Encode + decode timings of the plain and the fused codec, interleaved run by run so both see the same machine."
    import torch
    torch.set_num_threads(threads)
    codecs = {'as trained': build_codec(fuse=False), 'fused (get_codec)': build_codec(fuse=True)}
    x = test_audio(seconds)
    times = {k: ([], []) for k in codecs}
    for (codec, _) in codecs.values(): codec.decode(codec.encode(x))      # warm-up
    for _ in range(repeats):
        for k, (codec, _) in codecs.items():
            t0 = time.perf_counter(); c = codec.encode(x); t1 = time.perf_counter(); codec.decode(c); t2 = time.perf_counter()
            times[k][0].append(t1 - t0); times[k][1].append(t2 - t1)
    med = lambda v: sorted(v)[len(v) // 2]
    rows = []
    for k, (enc, dec) in times.items():
        tot = [a + b for a, b in zip(enc, dec)]
        rows.append(dict(model=k, threads=threads, audio_seconds=seconds, weights=codecs[k][1], encode_s=med(enc),
                         decode_s=med(dec), encode_decode_s=med(tot), realtime_factor=seconds / med(tot),
                         best_realtime_factor=seconds / min(tot)))
    return rows


def memory_child(minutes: float, chunked: bool, chunk_seconds: float) -> dict:
    "Runs in a fresh process: peak RSS while encoding + decoding `minutes` of audio."
    import torch
    torch.set_num_threads(1)
    codec, weights = build_codec()
    x = test_audio(minutes * 60)
    base = current_rss_mb()
    t0 = time.perf_counter()
    if chunked:
        codes = codec.encode_long(x, chunk_seconds=chunk_seconds)
        y = codec.decode_long(codes, chunk_seconds=chunk_seconds, length=x.shape[-1])
    else:
        codes = codec.encode(x); y = codec.decode(codes, length=x.shape[-1])
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return dict(chunked=chunked, chunk_seconds=chunk_seconds if chunked else None, audio_minutes=minutes, weights=weights,
                codes_shape=list(codes.shape), peak_rss_mb=round(peak, 1), rss_before_mb=round(base, 1),
                seconds=round(dt, 2), realtime_factor=round(minutes * 60 / dt, 1))


def memory(minutes: float, chunked: bool, chunk_seconds: float) -> dict:
    cmd = [sys.executable, __file__, '--child', '--long-minutes', str(minutes), '--chunk-seconds', str(chunk_seconds)]
    if chunked: cmd.append('--chunked')
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        return dict(chunked=chunked, error=(out.stderr or out.stdout)[-2000:], returncode=out.returncode)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--seconds', type=float, default=10.0)
    ap.add_argument('--long-minutes', type=float, default=10.0)
    ap.add_argument('--chunk-seconds', type=float, default=30.0)
    ap.add_argument('--skip-unchunked', action='store_true')
    ap.add_argument('--child', action='store_true'); ap.add_argument('--chunked', action='store_true')
    a = ap.parse_args()
    if a.child:
        print(json.dumps(memory_child(a.long_minutes, a.chunked, a.chunk_seconds))); return
    import torch
    res = dict(machine=dict(platform=platform.platform(), cpus=os.cpu_count(), torch=torch.__version__,
                            load_average=os.getloadavg()),
               rtf=rtf(a.seconds, 1) + rtf(a.seconds, os.cpu_count() or 1),
               memory=[memory(a.long_minutes, True, a.chunk_seconds)])
    if not a.skip_unchunked: res['memory'].append(memory(a.long_minutes, False, a.chunk_seconds))
    res['machine']['load_average_after'] = os.getloadavg()
    chunked = res['memory'][0]
    res['checks'] = dict(chunked_peak_under_2GB=chunked.get('peak_rss_mb', 1e9) <= 2048,
                         rtf_at_least_100x=max(r['realtime_factor'] for r in res['rtf']) >= 100)
    RESULTS.mkdir(exist_ok=True)
    md = ['# Mini codec: speed and memory', '',
          f"Machine: {res['machine']['platform']}, {res['machine']['cpus']} CPUs, torch {res['machine']['torch']}, "
          f"load average {tuple(round(v, 2) for v in res['machine']['load_average'])} at start "
          f"(the CPUs may be shared). Weights: {res['rtf'][0]['weights']}.", '',
          '| model | threads | audio (s) | encode (ms, median) | decode (ms, median) | real-time factor (median) | best of 9 | fused speed-up |',
          '|---|---|---|---|---|---|---|---|']
    plain = {r['threads']: r['encode_decode_s'] for r in res['rtf'] if not r['model'].startswith('fused')}
    md += [f"| {r['model']} | {r['threads']} | {r['audio_seconds']:g} | {r['encode_s'] * 1e3:.0f} | {r['decode_s'] * 1e3:.0f} | "
           f"{r['realtime_factor']:.0f}× | {r['best_realtime_factor']:.0f}× | "
           f"{plain[r['threads']] / r['encode_decode_s']:.2f}× |" for r in res['rtf']]
    md += ['', f"Tokenizing + detokenizing {a.long_minutes:g} minutes (peak RSS of a fresh process, 1 thread):", '',
           '| mode | peak RSS (MB) | RSS after setup (MB) | time (s) | real-time factor |', '|---|---|---|---|---|']
    for m in res['memory']:
        mode = f"chunked ({m.get('chunk_seconds')} s)" if m['chunked'] else 'one shot'
        md.append(f"| {mode} | {m['peak_rss_mb']} | {m['rss_before_mb']} | {m['seconds']} | {m['realtime_factor']}× |"
                  if 'error' not in m else f"| {mode} | failed: {m['error'][-200:]!r} | | | |")
    md += ['', f"Checks: {res['checks']}"]
    from _common import write_results
    write_results(RESULTS, 'bench_codec', res, '\n'.join(md) + '\n')


if __name__ == '__main__':
    main()
