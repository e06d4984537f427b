"""Three complete PyTorch programs run unchanged on tinygrad_rnn, but for their import lines.

Each program in tests/torch_programs/ is written for torch.  The test runs it twice:
as written, and with its import lines pointed at tinygrad_rnn.  Both copies start
from the same weights (torch's state_dict loaded into ours) and must give the same
training losses to 1e-5 (float32 arithmetic on both sides, so not to the last bit).
"""
import importlib.util
import pathlib
import sys

import numpy as np
import pytest

torch = pytest.importorskip("torch", reason="the programs also run under PyTorch, for comparison "
                                            "(pip install torch==2.13.0)")

HERE = pathlib.Path(__file__).parent / "torch_programs"
OUR_IMPORTS = {
    "import torch\n": "import tinygrad_rnn as torch\n",
    "import torch.nn as nn\n": "import tinygrad_rnn.nn as nn\n",
    "import torch.nn.functional as F\n": "import tinygrad_rnn.nn.functional as F\n",
    "import torch.optim as optim\n": "import tinygrad_rnn.optim as optim\n",
}


def load(name: str, ours: bool):
    """The program as a module; ``ours``: with only its import lines changed to tinygrad_rnn's."""
    source = (HERE / f"{name}.py").read_text()
    if ours:
        changed = 0
        for theirs, mine in OUR_IMPORTS.items():
            changed += source.count(theirs)
            source = source.replace(theirs, mine)
        assert changed >= 2, f"{name}: expected torch import lines to replace"
    module_name = f"torch_program_{name}_{'ours' if ours else 'torch'}"
    spec = importlib.util.spec_from_loader(module_name, loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    exec(compile(source, str(HERE / f"{name}.py"), "exec"), module.__dict__)
    return module


def run_both(name: str, *build_args, **train_kwargs):
    theirs_mod, ours_mod = load(name, ours=False), load(name, ours=True)
    torch.manual_seed(0)
    theirs = theirs_mod.build(*build_args)
    ours = ours_mod.build(*build_args)
    ours.load_state_dict(theirs.state_dict())
    for (n, p), (m, q) in zip(theirs.named_parameters(), ours.named_parameters()):
        assert n == m
        np.testing.assert_array_equal(p.detach().numpy(), q.numpy())
    return theirs_mod.train(theirs, **train_kwargs), ours_mod.train(ours, **train_kwargs)


@pytest.mark.xdist_group("torch-optimizers")  # makes a torch optimizer: see conftest.py
def test_hand_written_multilayer_rnn_classifier_matches_torch():
    theirs, ours = run_both("rnn_classifier")
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    assert theirs[-1] < theirs[0]  # it learns, so the comparison covers real updates


@pytest.mark.parametrize("rnn_type", ["LSTM", "GRU"])
def test_word_language_model_matches_torch(rnn_type):
    theirs, ours = run_both("word_language_model", rnn_type)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    assert theirs[-1] < theirs[0]


@pytest.mark.xdist_group("torch-optimizers")  # makes a torch optimizer: see conftest.py
def test_lstm_tagger_matches_torch():
    (theirs, theirs_tags), (ours, ours_tags) = run_both("lstm_tagger")
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    assert ours_tags == theirs_tags
    assert theirs[-1] < theirs[0]
