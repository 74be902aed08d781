#!/usr/bin/env python
"""The bundled LM as a compressor of codec tokens: entropy-coded bitrate from its cross-entropy, and real arithmetic coding.

Held-out notes: the NSynth-mini test split (273 notes), tokenized with the bundled mini codec as
`scripts/train_bundled.py tokens()` does, first 150 frames (2 s: the length the LM was trained on). For each codebook k
the mean teacher-forced cross-entropy CE_k (nats per token) with the note's label prefix gives
bits/s = frame_rate x CE_k / ln 2, next to the raw 750 bits/s (10 bits x 75 Hz) per codebook; the same with the null
prefix (no label: what a decoder that knows nothing about the note needs). The label itself costs log2(128 x 11) bits
per note if sent.

Then `--n-coded` notes (spread over the split) are coded for real with `codectok.streaming.lm_compress` (a range coder
from `constriction`, driven by the LM's cached step-by-step distributions) and decoded with `lm_decompress`: the file
sizes against the CE estimate for the same notes, and whether every note came back exactly.

Usage: python benchmarks/lm_compression.py [--n-coded 64] [--threads 1]
Writes benchmarks/results/lm_compression.{json,md} and codectok/results/lm_compression.json (what chapter 09a shows).
"""
import math, shutil, sys, time, warnings
from pathlib import Path
import numpy as np
import torch

warnings.filterwarnings('ignore')
from codectok.codec import get_codec
from codectok.bundled import bundled_lm
from codectok.data import render_nsynth_mini, NSynthDataset, NSYNTH_FAMILIES
from codectok.streaming import entropy_bitrate, lm_compress, lm_decompress
from _common import RESULTS, bench_parser, bench_setup, device_name, write_results

PACKAGE_COPY = Path(__file__).resolve().parents[1]/'codectok'/'results'/'lm_compression.json'
FRAMES = 150                                    # scripts/train_bundled.py LM_FRAMES


def test_notes(codec, frames:int=FRAMES) -> tuple:
    "((n, K, frames) codes (K: the codec's n_q), (n, 2) labels [pitch, family]) of the NSynth-mini test split, tokenized as `tokens()` does."
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'scripts'))
    from train_bundled import _encode_all
    ds = NSynthDataset(render_nsynth_mini(verbose=False), 'test')
    codes = torch.stack(_encode_all(codec, [ds[i]['wav'] for i in range(len(ds))]))[..., :frames]
    labels = torch.tensor([[ds[i]['pitch'], ds[i]['instrument_family']] for i in range(len(ds))])
    return codes, labels


def mean_ce(lm, codes, prefixes) -> torch.Tensor:
    "(K,) mean teacher-forced CE per codebook (nats), batches of 32 weighted by size."
    total = torch.zeros(lm.config.n_q, dtype=torch.float64)
    with torch.inference_mode():
        for i in range(0, len(codes), 32):
            total += lm.loss(codes[i:i + 32], prefixes[i:i + 32])['ce'].double() * len(codes[i:i + 32])
    return total / len(codes)


def main():
    ap = bench_parser(__doc__.split('\n')[0], repeats=1)
    ap.add_argument('--n-coded', type=int, default=64, help='notes to arithmetic-code and decode (0: none)')
    a = ap.parse_args()
    dev = bench_setup(a)
    lm, cond = bundled_lm()
    codec = get_codec('mini', n_q=lm.config.n_q)                            # the codebooks the LM reads
    codes, labels = test_notes(codec)
    n, K, T = codes.shape
    fr = codec.frame_rate
    with torch.inference_mode():
        pre = cond.prefix(labels[:, 0].tolist(), labels[:, 1].tolist())     # (n, P, n_embd): the label prefix
        null = lm.null_prefix(n, pre.shape[1])
    ce, ce_null = mean_ce(lm, codes, pre), mean_ce(lm, codes, null)
    raw_k = fr * math.log2(codec.codebook_size)
    res = dict(n_notes=n, frames=T, frame_rate=fr, machine=f"{device_name(dev)}, torch {torch.__version__}",
               ce_nats=ce.tolist(), bits_per_token=(ce / math.log(2)).tolist(),
               bps_per_codebook=[entropy_bitrate([c], fr) for c in ce.tolist()],
               entropy_bps=entropy_bitrate(ce, fr), entropy_bps_null_prefix=entropy_bitrate(ce_null, fr),
               ce_nats_null_prefix=ce_null.tolist(), raw_bps=raw_k * K,
               label_bits_per_note=math.log2(128 * len(NSYNTH_FAMILIES)))
    res['saving'] = 1 - res['entropy_bps'] / res['raw_bps']
    res['saving_null_prefix'] = 1 - res['entropy_bps_null_prefix'] / res['raw_bps']
    res['label_bps'] = res['label_bits_per_note'] / (T / fr)
    print({k: v for k, v in res.items() if not isinstance(v, list)}, flush=True)
    if a.n_coded:
        idx = np.linspace(0, n - 1, min(a.n_coded, n)).round().astype(int).tolist()
        coded = est = exact = 0; t_enc = t_dec = 0.0
        for i in idx:
            t0 = time.perf_counter(); words = lm_compress(lm, codes[i:i + 1], pre[i:i + 1])
            t1 = time.perf_counter(); back = lm_decompress(lm, words, T, pre[i:i + 1])
            t_dec += time.perf_counter() - t1; t_enc += t1 - t0
            coded += 32 * len(words); exact += int(torch.equal(back, codes[i:i + 1]))
            with torch.inference_mode(): est += float(lm.loss(codes[i:i + 1], pre[i:i + 1])['ce'].sum()) * T / math.log(2)
        secs = len(idx) * T / fr
        res['arithmetic_coding'] = dict(n_notes=len(idx), coded_bits=coded, estimated_bits=est, coded_bps=coded / secs,
                                        estimated_bps=est / secs, exact_round_trips=exact,
                                        encode_s_per_note=t_enc / len(idx), decode_s_per_note=t_dec / len(idx))
        print(res['arithmetic_coding'], flush=True)
    rows = [f"| {k + 1} | {c:.3f} | {c / math.log(2):.2f} | {b:.0f} | {1 - b / raw_k:.0%} | {cn:.3f} |"
            for k, (c, b, cn) in enumerate(zip(res['ce_nats'], res['bps_per_codebook'], res['ce_nats_null_prefix']))]
    lines = ["# The bundled LM as a compressor of codec tokens", "",
             f"{n} held-out NSynth-mini test notes x {T} frames ({T / fr:g} s), bundled mini codec, {K} codebooks of "
             f"{codec.codebook_size} codes at {fr:g} Hz: raw {raw_k:.0f} bits/s per codebook, {res['raw_bps']:.0f} in all.", "",
             "| codebook | CE (nats), label prefix | bits per token | bits/s | saved vs raw | CE (nats), null prefix |",
             "|---|---|---|---|---|---|", *rows, "",
             f"Entropy-coded bitrate: **{res['entropy_bps']:.0f} bits/s** with the label prefix "
             f"(**{res['saving']:.0%}** below {res['raw_bps']:.0f}; the label itself is {res['label_bits_per_note']:.1f} bits "
             f"per note = {res['label_bps']:.1f} bits/s on {T / fr:g} s), {res['entropy_bps_null_prefix']:.0f} bits/s with "
             f"the null prefix ({res['saving_null_prefix']:.0%} below). EnCodec (Défossez et al. 2022, section 3.3) reports "
             "25-40 % from its small transformer LM."]
    if a.n_coded:
        ac = res['arithmetic_coding']
        lines += ["", f"Arithmetic coding (range coder from `constriction`, {ac['n_notes']} notes spread over the split): "
                  f"{ac['coded_bits']} bits in the files = **{ac['coded_bps']:.0f} bits/s**, "
                  f"{ac['coded_bits'] / ac['estimated_bits']:.4f} x the CE estimate for the same notes "
                  f"({ac['estimated_bps']:.0f} bits/s); {ac['exact_round_trips']}/{ac['n_notes']} decoded exactly. "
                  f"Encode {ac['encode_s_per_note']:.2f} s, decode {ac['decode_s_per_note']:.2f} s per 2 s note on {a.threads} thread(s)."]
    write_results(a.out, 'lm_compression', res, '\n'.join(lines) + '\n')
    if Path(a.out).resolve() == RESULTS:                                     # the figures chapter 09a shows
        PACKAGE_COPY.parent.mkdir(exist_ok=True); shutil.copyfile(RESULTS/'lm_compression.json', PACKAGE_COPY)


if __name__ == '__main__':
    main()
