"Checks on research/token_drift.py: the per-codebook agreement of two code tensors; bad input is refused."
import sys
from pathlib import Path
import pytest, torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # research/
import token_drift as td  # noqa: E402


def test_agreement_counts_unchanged_codes_per_codebook():
    a = torch.randint(0, 1024, (3, 8, 50))
    b = a.clone()
    b[:, 1, :25] = (b[:, 1, :25] + 1) % 1024          # half of codebook 2 changes
    b[:, 7] = (b[:, 7] + 7) % 1024                    # all of codebook 8 changes
    agree = td.agreement(a, b)
    assert agree[0] == 1.0 and agree[1] == 0.5 and agree[7] == 0.0 and agree[2:7] == [1.0] * 5


def test_shipped_codec_agrees_with_itself_and_not_with_a_moved_codebook():
    from codectok.codec import load_mini_codec, EncodecCodec
    m = load_mini_codec()
    wav = torch.randn(2, 1, 4800) * 0.1
    codes = EncodecCodec(m, n_q=8).encode(wav)
    assert td.agreement(codes, EncodecCodec(load_mini_codec(), n_q=8).encode(wav)) == [1.0] * 8
    layer = m.quantizer.vq.layers[0]._codebook          # shuffle the first codebook's entries: its codes are renamed
    layer.embed.copy_(layer.embed[torch.randperm(layer.embed.shape[0], generator=torch.Generator().manual_seed(0))])
    agree = td.agreement(codes, EncodecCodec(m, n_q=8).encode(wav))
    assert agree[0] < 0.05


@pytest.mark.parametrize('shapes', [((2, 8, 10), (2, 8, 11)), ((8, 10), (8, 10))])
def test_agreement_refuses_mismatched_or_flat_codes(shapes):
    with pytest.raises(ValueError, match='shape'):
        td.agreement(torch.zeros(shapes[0], dtype=torch.long), torch.zeros(shapes[1], dtype=torch.long))


@pytest.mark.parametrize('args, says', [(['--n-notes', '0'], '--n-notes must be >= 1'),
                                        (['--seconds', '0'], '--seconds must be > 0'),
                                        (['--weights', 'no/such.safetensors'], 'no mini codec weights at no/such')])
def test_bad_arguments_are_refused_and_write_nothing(tmp_path, capsys, args, says):
    argv = ['--weights', str(Path(td.__file__).resolve().parent.parent/'codectok'/'weights'/'mini_codec.safetensors')]
    with pytest.raises(SystemExit) as e:
        td.main(argv + args + ['--out', str(tmp_path/'out')])
    assert e.value.code == 2 and says in capsys.readouterr().err
    assert not (tmp_path/'out').exists()
