"""What the benchmark scripts share: their common flags, a description of the machine, and writing results.

Each script runs as `python benchmarks/<name>.py`, so this folder is on `sys.path` and `from _common import ...` works.
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
