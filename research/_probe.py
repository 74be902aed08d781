"""What the research probes share beyond `benchmarks/_common.py`: the flags and loading of the scripts that put several
mini codecs side by side on the same held-out notes (probe_noise_floor, probe_subharmonics, probe_tail_pitch).

Each probe runs as `python research/<name>.py`, so this folder is on `sys.path` and `from _probe import ...` works;
the probe puts `benchmarks/` on `sys.path` first, for `_common` and `eval_codec`.
"""
import argparse
import torch
from _common import load_codec_weights


def codec_probe_parser(doc:str, n_notes:int, out) -> argparse.ArgumentParser:
    "The flags of the scripts that put several mini codecs side by side on held-out notes: --n-notes, --weights, --threads, --out."
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--n-notes', type=int, default=n_notes)
    ap.add_argument('--weights', nargs='+', default=['shipped'], help="'shipped' or mini codec .safetensors paths, each optionally LABEL=PATH")
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--out', default=str(out))
    return ap


def probe_codecs(ap:argparse.ArgumentParser, fuse:bool=False):
    "Parse `codec_probe_parser` flags, check them, set the threads; returns (args, [(label, EncodecCodec at 8 codebooks)])."
    a = ap.parse_args()
    if a.n_notes < 1: ap.error(f"--n-notes must be >= 1, got {a.n_notes}")
    torch.set_num_threads(a.threads)
    from codectok.codec import EncodecCodec
    def load(w):
        label, path = w.split('=', 1) if '=' in w else (w, w)
        return label, EncodecCodec(load_codec_weights(None if path == 'shipped' else path, fuse=fuse), n_q=8)
    return a, [load(w) for w in a.weights]
