"""The simulated hub (scripts/sim_hub.py) that the test command's CODECTOK_PRETRAINED=1 stage runs against: its parts
answer codectok's online code paths exactly where the real downloads would."""
import os, sys
from pathlib import Path
import numpy as np
import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT/'scripts'))
import sim_hub  # noqa: E402


def test_nsynth_mirror(tmp_path, monkeypatch):
    env = sim_hub.build(tmp_path/'hub', parts=('nsynth',))
    monkeypatch.setenv('CODECTOK_NSYNTH_URL', env['CODECTOK_NSYNTH_URL'])
    from codectok.data import download_nsynth, NSynthDataset, nsynth_url
    assert nsynth_url('test').startswith('file://') and nsynth_url('test').endswith('nsynth-test.jsonwav.tar.gz')
    root = download_nsynth('test', tmp_path/'data')
    ds = NSynthDataset(root, 'test', sr=16_000)
    assert len(ds) == sim_hub.N_NOTES['test']
    note = ds[0]
    assert note['wav'].shape == (64_000,) and 0.1 < note['wav'].abs().max() <= 1     # 4 s at 16 kHz, not silent
    assert note['note_str'] == f"{note['instrument_str']}-{note['pitch']:03d}-{note['velocity']:03d}"
    monkeypatch.delenv('CODECTOK_NSYNTH_URL')
    assert nsynth_url('test').startswith('http://download.magenta.tensorflow.org/')   # Colab's path is unchanged


def test_encodec_checkpoint(tmp_path, monkeypatch):
    sim_hub.build(tmp_path/'hub', parts=('encodec',))
    monkeypatch.setenv('TORCH_HOME', str(tmp_path/'hub'/'torch'))
    from encodec import EncodecModel
    model = EncodecModel.encodec_model_24khz()          # the pretrained code path, served from torch.hub's cache
    saved = torch.load(tmp_path/'hub'/'torch'/'hub'/'checkpoints'/sim_hub.ENCODEC_FILE, weights_only=True)
    for k, v in model.state_dict().items(): assert torch.equal(v, saved[k]), k


def test_encodecmae_standin(tmp_path):
    env = sim_hub.build(tmp_path/'hub', parts=('encodecmae',))
    sys.path.insert(0, env['PYTHONPATH'].split(os.pathsep)[0])
    try:
        import encodecmae
        from encodecmae.models import EncodecMAE          # the real package's layout
        with pytest.raises(Exception, match='Available models are'): encodecmae.load_model('nope', device='cpu')
        model = encodecmae.load_model('mel256-ec-base_st', device='cpu')
        wav = np.random.default_rng(0).normal(0, 0.1, 48_000).astype(np.float32)
        assert model.extract_features_from_array(wav).shape == (1, 150, 768)     # 2 s at 75 Hz
        from codectok.prompting import load_encodecmae, encodecmae_embedding
        emb = encodecmae_embedding(load_encodecmae(device='cpu'), wav)
        assert emb.shape == (1, 768) and torch.isfinite(emb).all()
    finally:
        sys.path.remove(env['PYTHONPATH'].split(os.pathsep)[0])
        for k in [k for k in sys.modules if k == 'encodecmae' or k.startswith('encodecmae.')]: del sys.modules[k]
