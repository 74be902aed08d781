"""How many tokens does a retrained mini codec change? Per codebook, the share of frames whose code is the same under
two codecs, on the same held-out NSynth-mini test notes.

A codec whose encoder or codebooks were trained further gives the LM, MaskGIT and prompt encoder new tokens, so they
must be retrained on it. When most codes of the first codebooks are unchanged, warm-starting them from the shipped
models is worth trying; when almost none are, the new tokens are a new vocabulary and training starts over.

    python research/token_drift.py --weights RUN/mini_codec.safetensors [--base PATH] [--n-notes 273] [--out DIR]

Writes token_drift.json / .md under --out (default: research/results/).
"""
import argparse, os, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]/'benchmarks'))   # benchmarks/_common.py (and eval_codec.py)
from _common import load_codec_weights, write_results

RESULTS = Path(__file__).resolve().parent/'results'


def agreement(a, b) -> list:
    "Per codebook, the share of positions where two (B, K, T) code tensors hold the same code."
    if a.shape != b.shape: raise ValueError(f"code tensors differ in shape: {tuple(a.shape)} vs {tuple(b.shape)}; expected the same notes and n_q")
    if a.dim() != 3: raise ValueError(f"expected (B, K, T) codes, got shape {tuple(a.shape)}")
    return (a == b).float().mean(dim=(0, 2)).tolist()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--weights', required=True, help='the retrained mini codec (.safetensors or a run\'s .ckpt)')
    ap.add_argument('--base', default=None, help='the codec to compare with (default: the shipped one)')
    ap.add_argument('--n-notes', type=int, default=273)
    ap.add_argument('--seconds', type=float, default=2.0)
    ap.add_argument('--threads', type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument('--out', default=str(RESULTS))
    a = ap.parse_args(argv)
    if a.n_notes < 1: ap.error(f'--n-notes must be >= 1, got {a.n_notes}')
    if not a.seconds > 0: ap.error(f'--seconds must be > 0, got {a.seconds}')
    if a.threads < 1: ap.error(f'--threads must be >= 1, got {a.threads}')
    for p in (a.weights, a.base):
        if p is not None and not Path(p).exists(): ap.error(f'no mini codec weights at {p}')
    import torch
    torch.set_num_threads(a.threads)
    from codectok.codec import EncodecCodec
    from codectok.data import render_nsynth_mini, NSynthDataset
    ds = NSynthDataset(render_nsynth_mini(verbose=False), 'test')
    idx = list(range(0, len(ds), max(1, len(ds) // a.n_notes)))[:a.n_notes]
    codecs = [EncodecCodec(load_codec_weights(p), n_q=8) for p in (a.base, a.weights)]
    n = int(a.seconds * codecs[0].sample_rate)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent/'scripts'))
    from train_bundled import _encode_all    # the batched encode that makes the token cache (16 notes at a time)
    wavs = [torch.as_tensor(ds[i]['wav'][:n], dtype=torch.float32) for i in idx]
    base, new = (torch.stack(_encode_all(c, wavs)) for c in codecs)
    agree = agreement(base, new)
    res = dict(base=a.base or 'shipped', weights=a.weights, n_notes=len(idx), seconds=a.seconds, frames=base.shape[-1],
               same_code_per_codebook=[round(x, 4) for x in agree])
    md = '\n'.join([f"# Token drift: {Path(a.weights).parent.name or a.weights} against {a.base or 'the shipped codec'}", '',
                    f"{len(idx)} NSynth-mini test notes, first {a.seconds:g} s ({base.shape[-1]} frames); share of frames "
                    "whose code is unchanged, per codebook:", '',
                    '| codebook | ' + ' | '.join(str(k + 1) for k in range(len(agree))) + ' |',
                    '|---' * (len(agree) + 1) + '|',
                    '| same code | ' + ' | '.join(f'{x:.1%}' for x in agree) + ' |', ''])
    write_results(a.out, 'token_drift', res, md)
    return res


if __name__ == '__main__':
    main()
