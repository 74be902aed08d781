"""What the benchmark scripts share: their common flags, a description of the machine, and writing results.

Each script runs as `python benchmarks/<name>.py`, so this folder is on `sys.path` and `from _common import ...` works.
The research probes in `research/` put this folder on `sys.path` and import it too.
"""
import argparse, json, platform
from pathlib import Path
import torch
from codectok.core import atomic_write

RESULTS = Path(__file__).resolve().parent/'results'


def bench_parser(doc:str, repeats:int) -> argparse.ArgumentParser:
    "An argument parser with the flags every speed benchmark takes: --repeats, --threads, --device, --out."
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--repeats', type=int, default=repeats)
    ap.add_argument('--threads', type=int, default=1, help='torch CPU threads (1 gives stable numbers on shared machines)')
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--out', default=str(RESULTS))
    return ap


def bench_setup(a:argparse.Namespace) -> torch.device:
    "Apply --threads, seed torch, and return the --device."
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    return torch.device(a.device)


def device_name(device:torch.device) -> str:
    return torch.cuda.get_device_name(device) if device.type == 'cuda' else f"cpu ({platform.processor() or platform.machine()})"


def write_results(out, name:str, res:dict, md:str) -> None:
    "Write `name`.json and `name`.md under `out` (each atomically: a failed run leaves the old figures) and print the Markdown."
    out = Path(out); out.mkdir(parents=True, exist_ok=True)
    atomic_write(out/f'{name}.json', lambda tmp: Path(tmp).write_text(json.dumps(res, indent=2) + '\n'))
    atomic_write(out/f'{name}.md', lambda tmp: Path(tmp).write_text(md))
    print(md)


def load_codec_weights(path=None, fuse:bool=False):
    "A mini codec from --weights: the shipped one (None), a saved .safetensors, or a `fit_codec` .ckpt of a run in progress."
    from codectok.codec import load_mini_codec, fuse_for_inference_
    if path is None or Path(path).suffix != '.ckpt': return load_mini_codec(path, fuse=fuse)
    from codectok.codec_train import load_codec_checkpoint
    m = load_codec_checkpoint(path)
    return fuse_for_inference_(m) if fuse else m


REGISTERS = ((0, 59, 'below C4'), (60, 71, 'C4-B4'), (72, 83, 'C5-B5'), (84, 127, 'C6 and up'))


def by_register(cents:list, pitches:list) -> list:
    "[(register, MIDI range, notes within 50 cents, voiced notes)] from per-note cents errors (NaN = unvoiced original)."
    rows = []
    for lo, hi, name in REGISTERS:
        c = [e for e, p in zip(cents, pitches) if lo <= p <= hi and e == e]
        rows.append(dict(register=name, midi=[lo, hi], within_50_cents=sum(abs(e) < 50 for e in c), n_voiced=len(c)))
    return rows


def register_table(rows:dict) -> list:
    "Markdown lines: one row per source in `rows` ({source: by_register(...)}), one column per register."
    regs = next(iter(rows.values()))
    head = '| source | ' + ' | '.join(f"{r['register']} (MIDI {r['midi'][0]}-{r['midi'][1]})" for r in regs) + ' |'
    return [head, '|---' * (len(regs) + 1) + '|'] + [
        f"| {name} | " + ' | '.join(f"{r['within_50_cents']}/{r['n_voiced']}" for r in rs) + ' |' for name, rs in rows.items()]


def add_silence_gate_flag(ap:argparse.ArgumentParser) -> None:
    "--silence-gate DB: pass every decoded waveform through `codectok.codec.silence_gate` at DB dBFS."
    ap.add_argument('--silence-gate', type=float, default=None, metavar='DB',
                    help='mute decoded codec frames quieter than DB dBFS (codectok.codec.silence_gate, e.g. -70); default off')


def gate_decoder_(codec, threshold_db) -> None:
    "Make `codec.decode` return `silence_gate(decoded, threshold_db)` from now on (nothing when threshold_db is None)."
    if threshold_db is None: return
    from codectok.codec_metrics import silence_gate
    silence_gate(torch.zeros(8), threshold_db)                 # a bad threshold fails here, before any work
    decode = codec.decode
    codec.decode = lambda *args, **kw: silence_gate(decode(*args, **kw), threshold_db)
