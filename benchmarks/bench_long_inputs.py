"""Peak memory and time of the `codectok` command on long inputs (issue 37).

Each case runs `codectok.cli.main` in a fresh process and reads its peak resident set size (`ru_maxrss`):
tokenize, detokenize and vamp of an hour of audio, tokenize of an hour of 44.1 kHz stereo (the streaming resampler),
and `generate --seconds 600`; the same commands on 6 and 30 minutes show what grows with the input and what does not.
One more tokenize runs with glibc's mmap threshold pinned (`MALLOC_MMAP_THRESHOLD_`), to show what of the growth is
heap fragmentation rather than data.
A last part measures how far the chunked (streamed) results are from one-shot ones on a 2-minute excerpt.

The audio is synthesized (a melody of harmonic notes with a slow tremolo, tiled) and written to --workdir.
Vamping uses --vamp-steps MaskGIT passes (default 1: an hour at the default 24 passes takes about an hour on one
CPU thread; memory does not depend on the number of passes). Writes benchmarks/results/bench_long_inputs.{json,md}.

    python benchmarks/bench_long_inputs.py [--minutes 60] [--mid-minutes 30] [--short-minutes 6] [--gen-seconds 600] [--vamp-steps 1]
"""
import argparse, json, os, platform, resource, subprocess, sys, time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE/'results'


def child(argv:list) -> dict:
    "In a fresh process: run the CLI on `argv` (or only import it, for argv == ['baseline']); peak RSS and wall time."
    import codectok.cli, codectok.demo                       # what every command imports
    t0 = time.perf_counter()
    rc = 0 if argv == ['baseline'] else codectok.cli.main(argv)
    return dict(rc=rc, seconds=round(time.perf_counter() - t0, 2),
                peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1))


def run_case(argv:list, env:dict, env_extra:dict|None=None) -> dict:
    env = dict(env, **(env_extra or {}))
    cmd = [sys.executable, __file__, '--child', *map(str, argv)]
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    out = dict(argv=' '.join(map(str, argv)), wall_s=round(time.perf_counter() - t0, 1))
    try: out |= json.loads(r.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError): out |= dict(rc=r.returncode, error=r.stderr[-2000:])
    if r.returncode != 0: out['error'] = r.stderr[-2000:]
    print(f"{out['argv'][:90]:<90} peak {out.get('peak_rss_mb', '?')} MB, {out.get('seconds', '?')} s", flush=True)
    return out


def synth(path:Path, minutes:float, sr:int=24_000, channels:int=1) -> Path:
    "A melody of harmonic notes (a 4 s bar, tiled) with a slow tremolo, written a minute at a time (16-bit PCM)."
    import numpy as np, soundfile as sf
    if path.exists() and sf.info(str(path)).frames == int(minutes * 60 * sr): return path
    t = np.arange(sr // 2) / sr
    note = lambda m: sum(np.sin(2 * np.pi * 440 * 2 ** ((m - 69) / 12) * k * t) / k for k in (1, 2, 3)) * np.minimum(1, (sr // 2 - np.arange(sr // 2)) / 2400)
    bar = np.concatenate([note(m) for m in (60, 64, 67, 72, 67, 64, 60, 55)]).astype(np.float32) * 0.25   # 4 s
    block = np.tile(bar, 15)                                                                                # 60 s
    tmp = path.with_suffix('.part.wav')
    with sf.SoundFile(str(tmp), 'w', samplerate=sr, channels=channels, subtype='PCM_16') as f:
        n, i = int(minutes * 60 * sr), 0
        while i < n:
            x = block[:min(len(block), n - i)]
            x = x * (0.8 + 0.2 * np.sin(2 * np.pi * 0.05 * (i + np.arange(len(x))) / sr)).astype(np.float32)
            f.write(np.stack([x, 0.5 * x], 1) if channels == 2 else x); i += len(x)
    os.replace(tmp, path)
    return path


def tolerance(work:Path, mono:Path, stereo:Path) -> dict:
    "Chunked/streamed vs one-shot on 2 minutes: codes, decoded audio, and the streaming resampler."
    import numpy as np, soundfile as sf, torch
    from codectok.codec import get_codec
    from codectok.audio import AudioReader, load_audio
    torch.set_num_threads(1)
    n = 120 * 24_000
    cut, cut44 = work/'excerpt_24k.wav', work/'excerpt_44k_stereo.wav'
    sf.write(str(cut), sf.read(str(mono), frames=n, dtype='float32')[0], 24_000, subtype='PCM_16')
    sf.write(str(cut44), sf.read(str(stereo), frames=120 * 44_100, dtype='float32')[0], 44_100, subtype='PCM_16')
    codec = get_codec('mini')
    x = torch.from_numpy(load_audio(cut))
    one = codec.encode(x)                                                            # one shot: 2 minutes at once
    streamed = codec.encode_stream(AudioReader(cut, sr=24_000), chunk_seconds=30.0)  # what `codectok tokenize` does
    differ = (one != streamed)
    latent = lambda c: codec.model.quantizer.decode(c.transpose(0, 1))
    wav_one = codec.decode(one)
    wav_stream = torch.cat(list(codec.decode_stream(one, chunk_seconds=30.0)), -1)  # what `codectok detokenize` does
    with __import__('warnings').catch_warnings():
        __import__('warnings').simplefilter('ignore')
        r44 = np.concatenate(list(AudioReader(cut44, sr=24_000))); l44 = load_audio(cut44)
    return dict(seconds=120, chunk_seconds=30.0, context_seconds=0.5,
                codes_equal_fraction=round(1 - differ.float().mean().item(), 6), codes_differing=int(differ.sum()),
                codes_total=differ.numel(),
                latent_max_abs_diff=float((latent(one) - latent(streamed)).abs().max()),
                decoded_max_abs_diff=float((wav_one - wav_stream).abs().max()),
                decoded_rms=float(wav_one.pow(2).mean().sqrt()),
                resampler_max_abs_diff=float(np.abs(r44 - l44).max()), resampler_rms_diff=float(np.sqrt(np.mean((r44 - l44) ** 2))),
                resampled_lengths=[len(r44), len(l44)])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--minutes', type=float, default=60.0)
    ap.add_argument('--mid-minutes', type=float, default=30.0)
    ap.add_argument('--short-minutes', type=float, default=6.0)
    ap.add_argument('--gen-seconds', type=float, default=600.0)
    ap.add_argument('--vamp-steps', type=int, default=1)
    ap.add_argument('--workdir', default='/tmp/codectok_long')
    ap.add_argument('--out', default=str(RESULTS))
    ap.add_argument('--report-only', action='store_true', help='rewrite the .md (and checks) from the saved .json, measuring nothing')
    ap.add_argument('--child', nargs=argparse.REMAINDER)
    a = ap.parse_args()
    if a.child is not None: print(json.dumps(child(a.child))); return
    if a.report_only: return write(json.loads((Path(a.out)/'bench_long_inputs.json').read_text()), a.out)
    import torch
    work = Path(a.workdir); work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS='1', MKL_NUM_THREADS='1', CODECTOK_OFFLINE='1', PYTHONWARNINGS='ignore')
    t_start = time.time()
    files = {}
    for tag, minutes in (('long', a.minutes), ('mid', a.mid_minutes), ('short', a.short_minutes)):
        files[tag] = synth(work/f'{tag}_24k.wav', minutes)
    files['long44'] = synth(work/'long_44k_stereo.wav', a.minutes, sr=44_100, channels=2)
    print(f"synthesized inputs in {time.time() - t_start:.0f} s", flush=True)
    minutes = {'long': a.minutes, 'mid': a.mid_minutes, 'short': a.short_minutes, 'long44': a.minutes}
    vamp = f'vamp (--periodic 16, --steps {a.vamp_steps})'
    cases = [dict(case='imports only (baseline)', minutes=0, argv=['baseline'])]
    for tag in ('short', 'mid', 'long'):
        f = files[tag]
        cases += [dict(case='tokenize', minutes=minutes[tag], argv=['tokenize', '--quiet', f, work/f'{tag}.npz']),
                  dict(case='detokenize', minutes=minutes[tag], argv=['detokenize', '--quiet', work/f'{tag}.npz', work/f'{tag}_decoded.wav'])]
        if tag != 'mid': cases.append(dict(case=vamp, minutes=minutes[tag], argv=['vamp', f, '--periodic', 16, '--steps', a.vamp_steps,
                                                                                 '--seed', 0, '--quiet', '-o', work/f'{tag}_vamped.wav']))
    cases += [dict(case='tokenize, MALLOC_MMAP_THRESHOLD_=131072', minutes=a.minutes, env=dict(MALLOC_MMAP_THRESHOLD_='131072'),
                   argv=['tokenize', '--quiet', files['long'], work/'long_pinned.npz']),dict(case='tokenize, 44.1 kHz stereo (streaming resampler)', minutes=a.minutes,
                   argv=['tokenize', '--quiet', files['long44'], work/'long44.npz']),
              dict(case=f'generate --seconds {a.gen_seconds:g}', minutes=a.gen_seconds / 60,
                   argv=['generate', '--seconds', a.gen_seconds, '--seed', 0, '--quiet', '-o', work/'generated.wav'])]
    load0 = os.getloadavg()
    for c in cases: c |= run_case(c['argv'], env, c.get('env'))
    tol = tolerance(work, files['long'], files['long44'])
    res = dict(machine=dict(platform=platform.platform(), cpus=os.cpu_count(), torch=torch.__version__, threads=1,
                            load_average_start=load0, load_average_end=os.getloadavg()),
               settings={k: v for k, v in vars(a).items() if k not in ('child', 'report_only')},
               cases=[{k: v for k, v in c.items() if k != 'argv'} | dict(argv=' '.join(map(str, c['argv']))) for c in cases],
               tolerance=tol, total_minutes=round((time.time() - t_start) / 60, 1))
    write(res, a.out)


def report(res:dict) -> str:
    "Add the growth, bounds and checks to `res` (from its cases) and return the Markdown page."
    s, cases, tol = res['settings'], res['cases'], res['tolerance']
    vamp, gen = f"vamp (--periodic 16, --steps {s['vamp_steps']})", f"generate --seconds {s['gen_seconds']:g}"
    ok = [c for c in cases if c.get('rc') == 0 and 'error' not in c]
    base = cases[0]['peak_rss_mb']
    by = {(c['case'], c['minutes']): c for c in ok}
    short, mid, long = s['short_minutes'], s['mid_minutes'], s['minutes']
    res['growth_mb'] = growth = {f'{k}, {m0:g} -> {m1:g} min': round(by[(k, m1)]['peak_rss_mb'] - by[(k, m0)]['peak_rss_mb'], 1)
                                 for k, m0, m1 in (('tokenize', short, mid), ('tokenize', mid, long), ('detokenize', short, mid),
                                                   ('detokenize', mid, long), (vamp, short, long)) if (k, m0) in by and (k, m1) in by}
    peaks = lambda name: [c['peak_rss_mb'] for c in ok if c['case'] == name] or [float('nan')]
    pinned = by.get(('tokenize, MALLOC_MMAP_THRESHOLD_=131072', long), {})
    plain = by.get(('tokenize', long), {})
    res['bounds_mb'] = dict(tokenize_detokenize_peak=max(peaks('tokenize') + peaks('detokenize')), imports=base,
                            generate_peak=max(peaks(gen)), vamp_peak_at_longest=max(peaks(vamp)),
                            vamp_growth_per_hour=round(growth.get(f'{vamp}, {short:g} -> {long:g} min', float('nan')) / (long - short) * 60))
    b = res['bounds_mb']
    res['checks'] = dict(all_ran=len(ok) == len(cases), tokenize_detokenize_under_1600MB=b['tokenize_detokenize_peak'] < 1600,
                         tokenize_detokenize_grow_under_200MB_from_short_to_long=all(
                             abs(by[(k, long)]['peak_rss_mb'] - by[(k, short)]['peak_rss_mb']) < 200 for k in ('tokenize', 'detokenize')),
                         generate_under_1600MB=b['generate_peak'] < 1600)
    md = ['# The command line on long inputs: peak memory', '',
          f"Machine: {res['machine']['platform']}, {res['machine']['cpus']} CPUs (shared), torch {res['machine']['torch']}, "
          f"1 torch thread, load average {tuple(round(v, 2) for v in res['machine']['load_average_start'])} at start. Each row is "
          f"a fresh process running `codectok.cli.main`; peak RSS is its `ru_maxrss`. Inputs: a synthesized melody, 24 kHz mono "
          f"16-bit unless noted. Vamping uses {s['vamp_steps']} MaskGIT pass(es) per stage to keep the run short (memory does not "
          f"depend on it).", '',
          '| command | audio (min) | peak RSS (MB) | above imports (MB) | time (s) | real-time factor |', '|---|---|---|---|---|---|']
    for c in cases:
        if 'error' in c: md.append(f"| {c['case']} | {c['minutes']:g} | failed: {c['error'][-150:]!r} | | | |"); continue
        rtf = f"{c['seconds'] / (c['minutes'] * 60):.3f}" if c['minutes'] else ''
        md.append(f"| {c['case']} | {c['minutes']:g} | {c['peak_rss_mb']:.0f} | {c['peak_rss_mb'] - base:.0f} | {c['seconds']:.1f} | {rtf} |")
    md += ['', "Growth of the peak with the length of the input (MB): " + '; '.join(f'{k}: {v:+.0f}' for k, v in growth.items()) + '.',
           '', f"**Bounds.** `tokenize` and `detokenize` stream: at every length measured they peak at "
           f"{b['tokenize_detokenize_peak']:.0f} MB at most, {b['imports']:.0f} MB of which are the imports (the codes of an hour are "
           f"17 MB as int64). What growth there is comes from glibc's heap, not from data: with its mmap threshold pinned an "
           f"hour of tokenizing peaks at {pinned.get('peak_rss_mb', float('nan')):.0f} MB, at "
           f"{pinned.get('seconds', float('nan')) / plain.get('seconds', float('nan')):.2f}x the time, so the default stays. "
           f"`{gen}` peaks at {b['generate_peak']:.0f} MB (KV cache of a fixed window, decoding in chunks). `vamp` holds the "
           f"input and the output audio in memory, so it grows with the input: about {b['vamp_growth_per_hour']:.0f} MB per hour "
           f"({b['vamp_peak_at_longest']:.0f} MB for {long:g} minutes).", '',
           f"Chunked vs one shot on {tol['seconds']} s ({tol['chunk_seconds']:g} s chunks, {tol['context_seconds']:g} s context):", '',
           '| measure | value |', '|---|---|',
           f"| codes equal (streamed `tokenize` path vs one `encode`) | {tol['codes_equal_fraction']:.6f} ({tol['codes_differing']} of {tol['codes_total']} differ) |",
           f"| max abs difference of the quantized latents | {tol['latent_max_abs_diff']:.2e} |",
           f"| max abs difference of decoded audio (streamed `detokenize` path vs one `decode`) | {tol['decoded_max_abs_diff']:.2e} (signal RMS {tol['decoded_rms']:.3f}) |",
           f"| 44.1 kHz stereo → 24 kHz: streaming soxr vs `load_audio`, max / RMS difference | {tol['resampler_max_abs_diff']:.2e} / {tol['resampler_rms_diff']:.2e} |",
           '', f"Checks: {res['checks']}. Total run: {res['total_minutes']} min."]
    return '\n'.join(md) + '\n'


def write(res:dict, out):
    md = report(res)
    sys.path.insert(0, str(HERE))
    from _common import write_results
    write_results(out, 'bench_long_inputs', res, md)

if __name__ == '__main__':
    main()
