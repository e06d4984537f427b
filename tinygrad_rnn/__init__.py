"""tinygrad_rnn: a small autograd engine on NumPy/CuPy, and recurrent networks trained by BPTT.

    import tinygrad_rnn as tr
    x = tr.Tensor([[1.0, 2.0]], requires_grad=True)
    y = (x * x).sum()
    y.backward()            # x.grad == 2x
    tr.gradcheck(lambda x: (x * x).sum(), [tr.Tensor([[1.0, 2.0]], requires_grad=True, dtype="float64")])

The layers, bottom to top (each imports only those below it): backend, tensor,
ops, fused, nn, optim, train, tasks.  See README.md for a tutorial.
"""
from . import backend, fused, nn, ops, optim, rng, tasks
from .backend import cuda_available, get_default_device, set_default_device
from .checkpoint import load_checkpoint, save_checkpoint
from .gradcheck import GradcheckError, gradcheck
from .models import SequenceModel
from .ops import concatenate, stack
from .rng import manual_seed
from .tensor import Function, Tensor, is_grad_enabled, no_grad
from .train import TrainingDiverged, fit

__version__ = "0.1.0"
__all__ = ["Tensor", "Function", "no_grad", "is_grad_enabled", "gradcheck", "GradcheckError", "concatenate", "stack",
           "manual_seed", "backend", "ops", "rng", "nn", "fused", "optim", "tasks", "fit", "TrainingDiverged",
           "save_checkpoint", "load_checkpoint", "SequenceModel", "cuda_available", "get_default_device",
           "set_default_device"]
