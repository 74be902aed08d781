"""A simulated model hub and NSynth mirror, so codectok's online path (`CODECTOK_PRETRAINED=1`) runs offline.

What a Colab user downloads, rebuilt locally with the same architectures, layouts and APIs but random weights:

- EnCodec 24 kHz: `EncodecModel.encodec_model_24khz(pretrained=False)`'s state dict saved where torch.hub caches the
  real checkpoint (`$TORCH_HOME/hub/checkpoints/encodec_24khz-d7cc33bc.th`), so `encodec_model_24khz()` (pretrained)
  runs its real loading code and finds it cached.
- GPT-2: a `GPT2Model(GPT2Config())` (gpt2-small, 124 M parameters) saved with `save_pretrained` in the Hugging Face
  cache layout (`$HF_HOME/hub/models--gpt2/{refs/main,snapshots/<commit>/}`), so `from_pretrained('gpt2')` loads it
  with `HF_HUB_OFFLINE=1`.
- EnCodecMAE: a stand-in package `encodecmae` (put `<hub>/python` on `PYTHONPATH`) with the real package's layout
  and API: `encodecmae.load_model(name, mode='eval', device=...)` returns a model with `extract_features_from_file`
  and `extract_features_from_array` giving 768-wide frames at 75 Hz (24 kHz / 320), from a small random network.
- NSynth: `nsynth-{train,valid,test}.jsonwav.tar.gz` in the release layout (`nsynth-<split>/examples.json` +
  `audio/<note_str>.wav`, 16 kHz, 4 s, NSynth's metadata keys), served to `codectok.data.download_nsynth` with
  `CODECTOK_NSYNTH_URL=file://<hub>/nsynth/nsynth-{split}.jsonwav.tar.gz`.

Usage: `python scripts/sim_hub.py DIR` builds the hub (about 10 s, 0.6 GB, mostly GPT-2) and prints the environment
to use it (`eval "$(python scripts/sim_hub.py DIR)"`). It does not import codectok.
"""
from __future__ import annotations
import argparse, io, json, os, sys, tarfile
from pathlib import Path
import numpy as np

ENCODEC_FILE = 'encodec_24khz-d7cc33bc.th'     # the name encodec's checkpoint URL ends with (torch.hub caches by name)
GPT2_COMMIT = '0' * 40                          # any 40-hex snapshot name; refs/main points at it
NSYNTH_SR, NSYNTH_SECONDS = 16_000, 4.0
FAMILIES = ['bass', 'brass', 'flute', 'guitar', 'keyboard', 'mallet', 'organ', 'reed', 'string', 'synth_lead', 'vocal']
SOURCES = ['acoustic', 'electronic', 'synthetic']
N_NOTES = {'train': 24, 'valid': 12, 'test': 12}

# ---------------------------------------------------------------------------------------------------------------
# EnCodecMAE stand-in: same package layout and entry points as github.com/habla-liaa/encodecmae (encodecmae/hub.py,
# encodecmae/models/mae.py), a tiny random network inside.
ECMAE_INIT = '"""Stand-in for the EnCodecMAE package (codectok\'s simulated hub): same API, random weights."""\n' \
             'from .hub import load_model, get_available_models\n'
ECMAE_MODELS = '''from .mae import EncodecMAE\n'''
ECMAE_MAE = '''import numpy as np, torch, torch.nn as nn

class _WavEncoder(nn.Module):
    "24 kHz waveform (B, S) -> (B, S // 320, 128) frames, like EnCodec's 75 Hz encoder."
    fs = 24000
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(1, 128, 640, stride=320, padding=160)
    def forward(self, x): return torch.tanh(self.conv(x[:, None])).transpose(1, 2)

class _Processor:
    max_length = 4          # seconds per chunk, as the real model's first processor

class _Processors:
    def __init__(self): self._processors = [_Processor()]

class EncodecMAE(nn.Module):
    "The stand-in: wav encoder + one transformer layer, 768-wide outputs (the base models' width)."
    def __init__(self, dim:int=768):
        super().__init__()
        self.wav_encoder = _WavEncoder()
        self.proj = nn.Linear(128, dim)
        self.visible_encoder = nn.TransformerEncoderLayer(dim, 8, 1024, dropout=0.0, batch_first=True)
    @property
    def device(self): return next(self.parameters()).device
    def forward(self, wav):                                   # (B, S) -> (B, S // 320, dim)
        return self.visible_encoder(self.proj(self.wav_encoder(wav)))
    def extract_features_from_array(self, audio, wav_lens=None, chunk_size=None, overlap=0, return_type='numpy',
                                    layer=-1, min_length=2048, **kwargs):
        if chunk_size is None: chunk_size = int(self.wav_encoder.fs * self.processor._processors[0].max_length)
        hop = int(chunk_size * (1 - overlap))
        audio = torch.as_tensor(np.asarray(audio) if not torch.is_tensor(audio) else audio, dtype=torch.float32)
        if audio.ndim == 1: audio = audio[None]
        audio = audio.to(self.device)
        with torch.no_grad():
            acts = [self(audio[:, i:i + chunk_size]) for i in range(0, audio.shape[-1], hop)
                    if audio[:, i:i + chunk_size].shape[1] > min_length]
            if not acts: raise Exception('Wrong shape of activations')   # what the real code ends in, too
            x = torch.cat(acts, 1)                                          # (B, T', D)
        if return_type == 'numpy': return x.cpu().numpy()
        if return_type == 'torch': return x
        raise Exception('Unrecognized return type')
    def extract_features_from_file(self, filename, chunk_size=None, overlap=0, start=None, end=None, layer=-1, **kw):
        import soundfile as sf
        from scipy.signal import resample_poly
        x, fs = sf.read(filename, dtype='float32', always_2d=True)
        x = x.mean(1)
        if fs != self.wav_encoder.fs:
            g = np.gcd(fs, self.wav_encoder.fs)
            x = resample_poly(x, self.wav_encoder.fs // g, fs // g).astype(np.float32)
        f = self.extract_features_from_array(x, chunk_size=chunk_size, overlap=overlap, layer=layer)
        return f[0] if f.ndim == 3 and f.shape[0] == 1 else f
'''
ECMAE_HUB = '''from pathlib import Path
import torch
from .models import EncodecMAE

_HUB = Path(__file__).resolve().parents[2] / 'encodecmae'    # <hub>/encodecmae/<name>.pt

def get_available_models():
    return sorted(p.stem for p in _HUB.glob('*.pt'))

def load_model(model, mode='eval', device='cuda:0'):
    available = get_available_models()
    if model not in available: raise Exception("Available models are: {}".format(available))
    state = torch.load(_HUB / f'{model}.pt', map_location='cpu', weights_only=True)
    m = EncodecMAE(); m.load_state_dict(state['state_dict'])
    if mode == 'eval': m.eval()
    m.to(device)
    from .models.mae import _Processors
    m.processor = _Processors()
    return m
'''
ECMAE_NAMES = ['mel256-ec-base_st', 'mel256-ec-base', 'mel256-ec-large_st']


def build_encodecmae(hub:Path):
    import torch
    pkg = hub/'python'/'encodecmae'
    (pkg/'models').mkdir(parents=True, exist_ok=True)
    (pkg/'__init__.py').write_text(ECMAE_INIT)
    (pkg/'hub.py').write_text(ECMAE_HUB)
    (pkg/'models'/'__init__.py').write_text(ECMAE_MODELS)
    (pkg/'models'/'mae.py').write_text(ECMAE_MAE)
    sys.path.insert(0, str(hub/'python'))
    try:
        from encodecmae.models import EncodecMAE
        (hub/'encodecmae').mkdir(exist_ok=True)
        for i, name in enumerate(ECMAE_NAMES):
            torch.manual_seed(i)
            torch.save({'state_dict': EncodecMAE().state_dict()}, hub/'encodecmae'/f'{name}.pt')
    finally:
        sys.path.remove(str(hub/'python'))
        for k in [k for k in sys.modules if k == 'encodecmae' or k.startswith('encodecmae.')]: del sys.modules[k]


def build_encodec(hub:Path):
    import torch
    from encodec import EncodecModel
    torch.manual_seed(0)
    ckpt = hub/'torch'/'hub'/'checkpoints'
    ckpt.mkdir(parents=True, exist_ok=True)
    torch.save(EncodecModel.encodec_model_24khz(pretrained=False).state_dict(), ckpt/ENCODEC_FILE)


def build_gpt2(hub:Path):
    import torch
    from transformers import GPT2Config, GPT2Model
    torch.manual_seed(0)
    repo = hub/'hf'/'hub'/'models--gpt2'
    snap = repo/'snapshots'/GPT2_COMMIT
    GPT2Model(GPT2Config()).save_pretrained(snap)        # gpt2-small: 12 layers, 768 wide, 1024 positions
    (repo/'refs').mkdir(parents=True, exist_ok=True)
    (repo/'refs'/'main').write_text(GPT2_COMMIT)


def _note(rng, pitch:int, family:str, sr:int=NSYNTH_SR, seconds:float=NSYNTH_SECONDS) -> np.ndarray:
    "A 4 s note like NSynth's: 3 s held then released, a family-dependent harmonic recipe."
    t = np.arange(int(sr * seconds)) / sr
    f0 = 440 * 2 ** ((pitch - 69) / 12)
    k = np.arange(1, 9)[:, None]
    amps = (1 / k ** (1 + FAMILIES.index(family) % 3)) * (k * f0 < sr / 2)
    x = (amps * np.sin(2 * np.pi * k * f0 * t + rng.uniform(0, 2 * np.pi, (8, 1)))).sum(0)
    env = np.minimum(1, t / 0.01) * np.where(t < 3, 1.0, np.exp(-(t - 3) * 8))
    return (0.5 * x * env / np.abs(x).max()).astype(np.float32)


def build_nsynth(hub:Path, n_notes:dict=N_NOTES):
    import soundfile as sf
    out = hub/'nsynth'; out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for split, n in n_notes.items():
        examples, wavs = {}, {}
        for i in range(n):
            fam, src = FAMILIES[i % len(FAMILIES)], SOURCES[i % len(SOURCES)]
            inst = f'{fam}_{src}_{i:03d}'
            pitch, vel = int(rng.integers(36, 84)), int(rng.choice([25, 50, 75, 100, 127]))
            note_str = f'{inst}-{pitch:03d}-{vel:03d}'
            examples[note_str] = dict(note=i, note_str=note_str, instrument=i, instrument_str=inst, pitch=pitch,
                                      velocity=vel, sample_rate=NSYNTH_SR, qualities=[0] * 10, qualities_str=[],
                                      instrument_family=FAMILIES.index(fam), instrument_family_str=fam,
                                      instrument_source=SOURCES.index(src), instrument_source_str=src)
            buf = io.BytesIO(); sf.write(buf, _note(rng, pitch, fam), NSYNTH_SR, subtype='PCM_16', format='WAV')
            wavs[note_str] = buf.getvalue()
        with tarfile.open(out/f'nsynth-{split}.jsonwav.tar.gz', 'w:gz') as tf:
            def add(name, data):
                info = tarfile.TarInfo(f'nsynth-{split}/{name}'); info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
            add('examples.json', json.dumps(examples, indent=1).encode())
            for k, data in wavs.items(): add(f'audio/{k}.wav', data)


def environment(hub:Path) -> dict:
    "The variables that point the online code paths at the simulated hub."
    py = str(hub/'python')
    return {'TORCH_HOME': str(hub/'torch'), 'HF_HOME': str(hub/'hf'), 'HF_HUB_OFFLINE': '1',
            'TRANSFORMERS_OFFLINE': '1', 'PYTHONPATH': os.pathsep.join(p for p in [py, os.environ.get('PYTHONPATH')] if p),
            'CODECTOK_NSYNTH_URL': f"file://{hub/'nsynth'}/nsynth-{{split}}.jsonwav.tar.gz"}


def build(hub, parts=('encodec', 'gpt2', 'encodecmae', 'nsynth')) -> dict:
    "Build the simulated hub in `hub` (skipping parts already there) and return its environment."
    hub = Path(hub).resolve(); hub.mkdir(parents=True, exist_ok=True)
    done = {'encodec': hub/'torch'/'hub'/'checkpoints'/ENCODEC_FILE,
            'gpt2': hub/'hf'/'hub'/'models--gpt2'/'refs'/'main',
            'encodecmae': hub/'encodecmae'/f'{ECMAE_NAMES[-1]}.pt',
            'nsynth': hub/'nsynth'/'nsynth-test.jsonwav.tar.gz'}
    makers = {'encodec': build_encodec, 'gpt2': build_gpt2, 'encodecmae': build_encodecmae, 'nsynth': build_nsynth}
    for p in parts:
        if not done[p].exists(): makers[p](hub)
    return environment(hub)


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('dir', help='folder to build the hub in (reused if already built)')
    a = ap.parse_args()
    import shlex
    for k, v in build(a.dir).items(): print(f'export {k}={shlex.quote(v)}')
