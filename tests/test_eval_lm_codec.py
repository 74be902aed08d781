"Checks on benchmarks/eval_lm.py --codec-weights: a decoder-only retrain decodes the LM's tokens, any other codec is refused."
import shutil, sys
from pathlib import Path
import pytest
from safetensors.torch import load_file, save_file

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT/'benchmarks'))
import eval_lm  # noqa: E402
from codectok.core import weights_dir  # noqa: E402


def _refuse(msg): raise ValueError(msg)


def _variant(tmp_path, name, prefix):
    "A copy of the bundled codec with the first tensor whose name starts with `prefix` changed."
    sd = load_file(str(weights_dir()/'mini_codec.safetensors'))
    k = next(k for k in sorted(sd) if k.startswith(prefix) and sd[k].is_floating_point())
    sd[k] = sd[k] + 0.01
    out = tmp_path/f'{name}.safetensors'
    save_file(sd, str(out))
    shutil.copy(weights_dir()/'mini_codec.json', out.with_suffix('.json'))
    return out


def test_decoder_only_change_keeps_the_tag_and_is_accepted(tmp_path):
    _, bundled_tag = eval_lm.decoding_codec(None, weights_dir(), _refuse)
    codec, tag = eval_lm.decoding_codec(_variant(tmp_path, 'dec', 'decoder.'), weights_dir(), _refuse)
    assert tag == bundled_tag and codec.n_q == 8 and codec.sample_rate == 24_000


def test_a_codec_with_other_tokens_is_refused(tmp_path):
    with pytest.raises(ValueError, match='other tokens'):
        eval_lm.decoding_codec(_variant(tmp_path, 'enc', 'encoder.'), weights_dir(), _refuse)
    with pytest.raises(ValueError, match='existing mini codec'):
        eval_lm.decoding_codec(tmp_path/'missing.safetensors', weights_dir(), _refuse)
    with pytest.raises(ValueError, match='card'):
        eval_lm.decoding_codec(_variant(tmp_path, 'dec2', 'decoder.'), tmp_path, _refuse)   # no lm.card.json there


def test_ceiling_only_takes_a_codec_with_other_tokens(tmp_path):
    path = _variant(tmp_path, 'enc2', 'encoder.')
    codec, tag = eval_lm.decoding_codec(path, weights_dir(), _refuse, same_tokens=False)
    _, bundled_tag = eval_lm.decoding_codec(None, weights_dir(), _refuse)
    assert tag != bundled_tag and codec.n_q == 8                       # new tokens, and still loaded
    with pytest.raises(ValueError, match='existing mini codec'):      # a missing file is still refused
        eval_lm.decoding_codec(tmp_path/'missing.safetensors', weights_dir(), _refuse, same_tokens=False)


def test_ceiling_only_refuses_guidance_before_any_work(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(sys, 'argv', ['eval_lm.py', '--ceiling-only', '--cfg-scales', '2', '--out', str(tmp_path/'o')])
    with pytest.raises(SystemExit) as e: eval_lm.main()
    assert e.value.code == 2 and 'takes no --cfg-scales' in capsys.readouterr().err
    assert not (tmp_path/'o').exists()
    monkeypatch.setattr(sys, 'argv', ['eval_lm.py', '--ceiling-only', '--top-k', '250', '--out', str(tmp_path/'o')])
    with pytest.raises(SystemExit) as e: eval_lm.main()
    assert e.value.code == 2 and 'takes no --top-k' in capsys.readouterr().err
    assert not (tmp_path/'o').exists()


@pytest.mark.parametrize('flag, value, msg', [('--top-k', '0', 'top_k must be'), ('--top-k', '2000', 'exceeds the vocabulary'),
                                              ('--top-p', '0', 'top_p must be'), ('--top-p', '1.5', 'top_p must be')])
def test_bad_sampling_filters_are_refused_before_any_work(monkeypatch, capsys, tmp_path, flag, value, msg):
    monkeypatch.setattr(sys, 'argv', ['eval_lm.py', flag, value, '--out', str(tmp_path/'o')])
    with pytest.raises(SystemExit) as e: eval_lm.main()
    assert e.value.code == 2 and msg in capsys.readouterr().err
    assert not (tmp_path/'o').exists()


def test_the_header_names_the_sampling_filter():
    base = dict(codec_weights='bundled', silence_gate_db=None)
    assert eval_lm.codec_line(base | dict(top_k=None, top_p=None)) == []
    assert eval_lm.codec_line(base | dict(top_k=250, top_p=None)) == ["Continuations sampled with top_k=250 (after the temperature)."]
    assert eval_lm.codec_line(base | dict(top_k=None, top_p=0.9)) == ["Continuations sampled with top_p=0.9 (after the temperature)."]
    assert eval_lm.codec_line(dict(codec_weights='bundled')) == []     # results written before the flags existed
