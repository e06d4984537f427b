"""tinygrad_rnn: a small autograd engine on NumPy/CuPy, and recurrent networks trained by BPTT.

    import tinygrad_rnn as tr
    x = tr.tensor([[1.0, 2.0]], requires_grad=True)
    y = (x * x).sum()
    y.backward()            # x.grad == 2x
    tr.gradcheck(lambda x: (x * x).sum(), [tr.tensor([[1.0, 2.0]], dtype=tr.float64, requires_grad=True)])

Names and meanings follow PyTorch (docs/coming_from_pytorch.md lists them).
The layers, bottom to top (each imports only those below it): backend,
autograd, tensor, ops, tensor_methods (Tensor's operators), creation, fused,
nn, optim, train, tasks.  See README.md for a tutorial.
"""
import numpy as _np

from . import backend, cuda, fused, nn, ops, optim, rng, tasks, tensor_methods  # noqa: F401 - installs methods
from .autograd import Function, is_grad_enabled, no_grad
from .backend import cuda_available, get_default_device, set_default_device
from .checkpoint import load_checkpoint, save_checkpoint
from .creation import (
    arange,
    as_tensor,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .device import device
from .dtypes import bool, double, float, float16, float32, float64, half, int, int8, int16, int32, int64, long, uint8
from .gradcheck import GradcheckError, gradcheck
from .models import SequenceModel
from .ops import (
    abs,
    add,
    allclose,
    amax,
    amin,
    argmax,
    argmin,
    bmm,
    cat,
    chunk,
    clamp,
    clone,
    concatenate,
    div,
    equal,
    exp,
    flatten,
    gather,
    log,
    log_softmax,
    masked_fill,
    matmul,
    max,
    mean,
    min,
    mm,
    mul,
    narrow,
    neg,
    norm,
    permute,
    pow,
    relu,
    reshape,
    sigmoid,
    softmax,
    split,
    sqrt,
    squeeze,
    stack,
    std,
    sub,
    sum,
    tanh,
    transpose,
    unsqueeze,
    var,
    where,
)
from .rng import manual_seed
from .serialization import LoadError, load, save
from .tensor import Tensor
from .train import TrainingDiverged, fit

__version__ = "0.1.0"
dtype = _np.dtype  # isinstance(x.dtype, tr.dtype) holds, as with torch.dtype

__all__ = [
    # engine
    "Tensor", "Function", "no_grad", "is_grad_enabled", "gradcheck", "GradcheckError", "manual_seed",
    "device", "cuda", "dtype",
    # creation
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "empty", "zeros_like", "ones_like", "full_like",
    "empty_like", "rand", "randn", "rand_like", "randn_like", "randint", "randperm", "arange", "linspace", "eye",
    # dtypes
    "float32", "float", "float64", "double", "float16", "half", "int64", "long", "int32", "int", "int16", "int8",
    "uint8", "bool",
    # functions
    "add", "sub", "mul", "div", "neg", "pow",
    "tanh", "sigmoid", "relu", "exp", "log", "sqrt", "abs", "clamp", "matmul", "mm", "bmm", "transpose", "permute",
    "reshape", "flatten", "squeeze", "unsqueeze", "narrow", "chunk", "split", "clone", "stack", "cat", "concatenate",
    "softmax", "log_softmax", "sum", "mean", "max", "min", "amax", "amin", "argmax", "argmin", "std", "var", "norm",
    "gather", "masked_fill", "where", "allclose", "equal",
    # the rest of the library
    "backend", "ops", "rng", "nn", "fused", "optim", "tasks", "fit", "TrainingDiverged",
    "save_checkpoint", "load_checkpoint", "save", "load", "LoadError", "SequenceModel", "cuda_available",
    "get_default_device", "set_default_device",
]
