#!/usr/bin/env python
"""Streaming generation with the bundled LM: time to the first audio chunk and the cadence of the chunks after it.

`codectok.streaming.stream_generate` samples with the bundled LM (label prefix MIDI 60 keyboard, T=0.7) and decodes
each chunk of `--chunks` frames with the mini codec as soon as its right context is complete. For each chunk size we
record, per run, when every chunk arrives (wall clock from the call) and how much audio has been delivered by then;
the figures are from the run with the median total time of `--repeats` runs:

- first audio: wall time until the first chunk (the sampler must reach step chunk + context + K - 2);
- time between chunks: the median gap between consecutive chunks (a chunk of C frames holds C / 75 s of audio);
- real-time factor: total wall time / seconds of audio; below 1 the stream keeps ahead of playback;
- gaps: chunks that arrive after their playback time if playback starts with the first chunk;
- total time / generate + decode: the whole stream against generate + one-shot decode of the same clip, timed
  side by side in each repeat (median of the per-repeat ratios): what streaming costs in all;
- max abs. error of the concatenated stream against `codec.decode` of `generate`'s codes for the same seed.

Without streaming, the first sound comes after all of generate + decode: that time is recorded too.

Usage: python benchmarks/bench_streaming.py [--seconds 4] [--chunks 4 8 16] [--repeats 3] [--threads 1]
Writes benchmarks/results/bench_streaming.{json,md} and codectok/results/bench_streaming.json (what chapter 09a shows).
"""
import os, shutil, statistics, time, warnings
from pathlib import Path
import numpy as np
import torch

warnings.filterwarnings('ignore')
from codectok.codec import get_codec
from codectok.bundled import bundled_lm
from codectok.sampling import generate
from codectok.streaming import stream_generate, receptive_frames
from _common import RESULTS, bench_parser, bench_setup, device_name, write_results

PACKAGE_COPY = Path(__file__).resolve().parents[1]/'codectok'/'results'/'bench_streaming.json'


def one_run(lm, codec, n, prefix, C, seed):
    "(arrival times (s), audio delivered at each (s), the audio) of one streamed generation."
    t0, arrivals, ends, chunks = time.perf_counter(), [], [], []
    for w in stream_generate(lm, codec, n, chunk_frames=C, prefix=prefix, temperature=0.7, seed=seed):
        arrivals.append(time.perf_counter() - t0); chunks.append(w)
        ends.append(sum(c.shape[-1] for c in chunks) / codec.sample_rate)
    return arrivals, ends, torch.cat(chunks, -1)


def main():
    ap = bench_parser(__doc__.split('\n')[0], repeats=3)
    ap.add_argument('--seconds', type=float, default=4.0)
    ap.add_argument('--chunks', type=int, nargs='+', default=[4, 8, 16], help='chunk sizes in frames')
    a = ap.parse_args()
    dev = bench_setup(a)
    lm, cond = bundled_lm()
    codec = get_codec('mini', n_q=lm.config.n_q)                            # the codebooks the LM reads
    n = round(a.seconds * codec.frame_rate)
    with torch.inference_mode(): prefix = cond.prefix(60, 'keyboard')
    ctx = receptive_frames(codec)
    one_run(lm, codec, 40, prefix, 8, 0)                                     # warm-up
    ref, trials = [], {C: [] for C in a.chunks}
    for r in range(a.repeats):                  # interleaved: each repeat times the baseline and every chunk size
        t0 = time.perf_counter()
        codes = generate(lm, n, prefix=prefix, temperature=0.7, seed=0, progress=False)
        with torch.inference_mode(): one_shot = codec.decode(codes)
        ref.append(time.perf_counter() - t0)
        for C in a.chunks: trials[C].append(one_run(lm, codec, n, prefix, C, 0))
    runs = []
    for C in a.chunks:
        arrivals, ends, audio = sorted(trials[C], key=lambda t: t[0][-1])[len(trials[C]) // 2]   # the median run
        due = np.array(ends) - ends[0] + arrivals[0]                        # play time, if playback starts at chunk 1
        runs.append(dict(chunk_frames=C, chunk_ms=1000 * C / codec.frame_rate, n_chunks=len(arrivals),
                         first_chunk_ms=1000 * arrivals[0],
                         chunk_interval_ms=1000 * float(np.median(np.diff(arrivals))),
                         max_chunk_interval_ms=1000 * float(np.max(np.diff(arrivals))),
                         real_time_factor=arrivals[-1] / ends[-1],
                         late_chunks=int((np.array(arrivals) > due + 1e-9).sum()),
                         max_abs_error=float((audio - one_shot).abs().max()),
                         total_vs_one_shot=statistics.median(t[0][-1] / b for t, b in zip(trials[C], ref)),
                         first_chunk_ms_all=[1000 * t[0][0] for t in trials[C]],
                         arrival_s=arrivals, audio_end_s=ends))
        print({k: v for k, v in runs[-1].items() if not isinstance(v, list)}, flush=True)
    res = dict(seconds=n / codec.frame_rate, frames=n, context_frames=ctx, repeats=a.repeats, threads=a.threads,
               machine=f"{device_name(dev)}, {a.threads} thread(s), torch {torch.__version__}",
               load_average=list(os.getloadavg()), generate_then_decode_s=statistics.median(ref), runs=runs)
    rows = [f"| {r['chunk_frames']} ({r['chunk_ms']:.0f} ms) | {r['first_chunk_ms']:.0f} ms | {r['chunk_interval_ms']:.1f} ms "
            f"(max {r['max_chunk_interval_ms']:.0f}) | {r['real_time_factor']:.3f} | {r['late_chunks']}/{r['n_chunks']} | "
            f"{r['total_vs_one_shot']:.2f} | {r['max_abs_error']:.1e} |" for r in runs]
    md = '\n'.join([
        "# Streaming generation: time to first audio and chunk cadence", "",
        f"Bundled LM + mini codec, {res['seconds']:g} s of audio (label MIDI 60 keyboard, T=0.7, seed 0), {res['machine']}; "
        f"the run with the median total time of {a.repeats}. Decoder context: {ctx} frames either side.", "",
        "| chunk (frames) | first audio | time between chunks (median) | real-time factor | chunks late for playback | "
        "total time / generate + decode | max abs. error vs one shot |",
        "|---|---|---|---|---|---|---|", *rows, "",
        f"Without streaming the first sound comes after generate + decode of the whole clip: "
        f"**{1000 * res['generate_then_decode_s']:.0f} ms** (median of {a.repeats}).",
        f"Load average {res['load_average'][0]:.1f} on {os.cpu_count()} cores when the runs ended.", ""])
    write_results(a.out, 'bench_streaming', res, md)
    if Path(a.out).resolve() == RESULTS:                                     # the figures chapter 09a shows
        PACKAGE_COPY.parent.mkdir(exist_ok=True); shutil.copyfile(RESULTS/'bench_streaming.json', PACKAGE_COPY)


if __name__ == '__main__':
    main()
