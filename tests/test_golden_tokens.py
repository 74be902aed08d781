"""Golden tokens: the bundled LM and MaskGIT pair, with fixed seeds on CPU, must generate exactly the stored codes.

A change to sampling (the order of random draws, a filter, the cache, the pattern) shows up here as a failure. If the
change is deliberate, or the bundled models were retrained, regenerate with `python tests/golden/make_golden.py --update`
and say so in the commit. The expected codes hold on CPU for the torch version recorded in the file; see the note on
determinism in chapter 09 for what may differ elsewhere.
"""
import sys
from pathlib import Path
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent/'golden'))
import make_golden


@pytest.fixture(scope='module')
def golden(): return make_golden.load()


@pytest.fixture(scope='module')
def got(): return make_golden.compute()


def test_weights_are_the_ones_the_golden_tokens_were_made_with(golden):
    assert make_golden.weight_hashes() == golden['weights'], (
        "the bundled weights changed since tests/golden/golden_tokens.json was made; after a retrain run "
        "`python tests/golden/make_golden.py --update`")


def test_every_case_is_covered(golden, got):
    assert sorted(got) == sorted(golden['cases'])
    assert any(k.startswith('lm ') for k in got) and any(k.startswith('maskgit ') for k in got)


@pytest.mark.parametrize('case', sorted(make_golden.load()['cases']))
def test_golden_codes(golden, got, case):
    want, have = golden['cases'][case], got[case]
    assert have == want, (f"{case}: generated codes differ from the golden ones (first difference at "
                          f"{_first_diff(want, have)}); if sampling changed on purpose, run "
                          "`python tests/golden/make_golden.py --update`")


def test_golden_codes_are_not_trivial(golden):
    "The cases exercise sampling: codes vary over frames and the sampled case differs from the greedy one."
    import torch
    from codectok.bundled import bundled_lm
    K = {'lm': bundled_lm()[0].config.n_q, 'maskgit': 8}                   # codebooks: the LM's K, MaskGIT all 8
    for case, codes in golden['cases'].items():
        c = torch.tensor(codes)
        assert c.ndim == 3 and c.shape[1] == K[case.split()[0]] and ((c >= 0) & (c < 1024)).all(), case
        assert len(c.unique()) > c.shape[1], f"{case}: one code per codebook, too few to notice a change"


def _first_diff(a, b, where=()):
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b): return f"{where}: length {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y: return _first_diff(x, y, where + (i,))
    return f"{where}: {a} vs {b}"
