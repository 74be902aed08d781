"Checks on research/tone_sweep.py: peak and beat measurements, and the sweep on codecs with known behaviour."
import sys
from pathlib import Path
import numpy as np, pytest, torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # research/
import tone_sweep as ts  # noqa: E402


def test_peak_hz_finds_a_sine_between_bins_and_ignores_its_harmonics():
    t = np.arange(24_000) / 24_000
    w = np.sin(2 * np.pi * 1318.51 * t) + 2 * np.sin(2 * np.pi * 2637.02 * t)   # a louder octave outside the band
    assert abs(ts.peak_hz(w, 1318.51) - 1318.51) < 0.2
    with pytest.raises(ValueError, match='64 samples'): ts.peak_hz(w[:6000], 1318.51)


def test_frame_beat_and_latent_beat():
    assert ts.frame_beat_hz(1050.0) == 0.0 and abs(ts.frame_beat_hz(1318.5) - 31.5) < 1e-9
    frames = np.arange(150) / 75
    z = np.stack([np.cos(2 * np.pi * 31.5 * frames), np.sin(2 * np.pi * 31.5 * frames), np.ones(150)])
    assert abs(ts.latent_beat_hz(z) - 31.5) < 0.5
    with pytest.raises(ValueError, match='8 frames'): ts.latent_beat_hz(z[:, :20])


def _paths(shift_hz):   # a fake codec: resynthesises the input's strongest peak moved by shift_hz
    def codec(x):
        w = x.flatten().numpy(); f = ts.peak_hz(w, _paths.f0) + shift_hz
        return torch.tensor(np.sin(2 * np.pi * f * np.arange(len(w)) / ts.SR), dtype=torch.float32)[None, None]
    return {'codec': codec, 'autoencoder': lambda x: x, 'latent': lambda x: torch.randn(4, 75)}


def test_sweep_and_summary_tell_kept_tones_from_band_errors():
    from codectok.codec_metrics import midi_to_hz
    rows = []
    for m in (84, 88):
        _paths.f0 = float(midi_to_hz(m))
        rows += ts.sweep(_paths(75.0 if m == 88 else 0.0), [m])
    assert abs(ts.cents(rows[0]['out_hz'], rows[0]['hz'])) < 1 and abs(rows[1]['out_hz'] - rows[1]['hz'] - 75) < 0.2
    s = ts.summary(rows)
    assert (s['codec_kept'], s['autoencoder_kept'], s['misses'], s['misses_one_band_off']) == (1, 2, 1, 1)
    assert s['by_register'] == {'C6 and up': '1/2'}


def test_shipped_codec_keeps_a_mid_tone():
    from codectok.codec import load_mini_codec
    rows = ts.sweep(ts.codec_paths(load_mini_codec().eval()), [69])   # A4: the codec's best register
    assert abs(ts.cents(rows[0]['out_hz'], rows[0]['hz'])) < 20 and abs(ts.cents(rows[0]['ae_hz'], rows[0]['hz'])) < 20


def test_cli_refuses_bad_ranges(tmp_path):
    with pytest.raises(SystemExit): ts.main(['--lo', '90', '--hi', '80', '--out', str(tmp_path)])
    with pytest.raises(SystemExit): ts.main(['--hi', '110', '--out', str(tmp_path)])
    with pytest.raises(SystemExit): ts.main(['--weights', str(tmp_path / 'missing.safetensors'), '--out', str(tmp_path)])
    assert not list(tmp_path.iterdir())


def test_probe_tone_fit_trains_what_each_arm_says(monkeypatch, tmp_path):
    import probe_tone_fit as ptf
    from codectok.codec import load_mini_codec
    monkeypatch.setattr(ptf, 'SWEPT', [69])                      # one swept tone keeps the test quick
    for arm, encoder_moves in (('decoder', False), ('continuous', True)):
        m = load_mini_codec()
        enc, dec = ([p.detach().clone() for p in part.parameters()] for part in (m.encoder, m.decoder))
        log = ptf.fit(m, arm, steps=1, lr=1e-3, sc_weight=5.0)
        assert [r['step'] for r in log] == [0, 1] and log[0]['kept'] == [69] and log[1]['loss'] > 0
        changed = lambda old, part: any(not torch.equal(a, b) for a, b in zip(old, part.parameters()))
        assert changed(dec, m.decoder) and changed(enc, m.encoder) == encoder_moves
    with pytest.raises(SystemExit): ptf.main(['--steps', '0', '--out', str(tmp_path)])
    with pytest.raises(SystemExit): ptf.main(['--arms', 'everything', '--out', str(tmp_path)])
    assert not list(tmp_path.iterdir())
