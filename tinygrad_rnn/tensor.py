"""Tensor: an array, its gradient, the graph that made it, and the in-place changes it allows.

A ``Tensor`` holds an array (``.array``, NumPy or CuPy) and, when it was made
by an op on tensors that require gradients, the ``Function`` node that made
it (``._ctx``, see ``autograd.py``).  ``backward()`` hands the graph walk in
``autograd.py`` its seed gradient.

Where to read what:
  - this file: construction, what a tensor is (shape, dtype, device,
    ``.data``), backward, and the version counter;
  - ``tensor_methods.py``: every other operator and method (``+``, ``@``,
    ``==``, ``sum``, ``view``, ``to``, ``float``, and the in-place ``add_``,
    ``zero_``, ``x[i] = v``, ...), written as the body of
    ``class TensorMethods`` and installed on ``Tensor`` when the package is
    imported; most are the functional form of an op in ``ops/``.
The layers never import upward: autograd → tensor → ops → tensor_methods.

To wrap an array you already have, without a copy: ``Tensor.wrap(array)``.
"""
from __future__ import annotations

import weakref

import numpy as np

from . import backend, dtypes, indexing
from .autograd import Function, is_grad_enabled, no_grad  # noqa: F401 - re-exported: tensor.Function
from .autograd import backward as _walk_backward


class Tensor:
    """An array with an optional gradient and the graph that made it.

    ``Tensor(data, requires_grad=False, device=None, dtype=None)`` copies
    ``data``, as ``torch.tensor`` does (``from_numpy`` shares instead).
    Python floats and lists of floats become float32 and lists of ints int64
    (as torch); NumPy/CuPy arrays and NumPy scalars keep their dtype unless
    ``dtype`` is given.  ``Tensor(5, 1)`` (two or more sizes) is torch's
    ``torch.Tensor(5, 1)``: a float32 tensor of that shape (zeros).

    Where things live: ``.array`` is the raw NumPy/CuPy array;  ``.data`` is
    torch's: a Tensor sharing that memory, cut from the graph;  ``.grad`` a
    Tensor or None.  ``_version`` counts in-place changes (None until the first
    change or alias, then a one-element list shared with ``detach()``-ed
    aliases and views), so backward can refuse a graph whose saved inputs
    were overwritten.
    """

    __slots__ = ("array", "grad", "requires_grad", "_ctx", "_index", "_version", "__weakref__")
    __array_priority__ = 1000  # ndarray + Tensor calls Tensor.__radd__
    __hash__ = object.__hash__  # == is elementwise, yet optimizers and dicts key on tensors

    def __init__(self, data=(), *sizes, requires_grad: bool = False, device: str | None = None, dtype=None):
        dtype = None if dtype is None else dtypes.as_dtype(dtype)
        if sizes:
            if not (indexing.is_int(data) and all(indexing.is_int(s) for s in sizes)):
                raise TypeError(f"Tensor(data, ...): extra positional arguments {sizes!r}; give sizes only "
                                f"(Tensor(5, 1)) or keywords (requires_grad=, device=, dtype=)")
            data = np.zeros((data,) + tuple(sizes), dtype=dtype or dtypes.DEFAULT_FLOAT)
        if isinstance(data, Tensor):
            data = data.array
        if device is None and not isinstance(data, np.ndarray) and hasattr(data, "__cuda_array_interface__"):
            device = "cuda"
        device = backend.check_device(device)
        xp = backend.module_for(device)
        if isinstance(data, np.generic):
            data = np.asarray(data)
        if isinstance(data, np.ndarray) or hasattr(data, "__cuda_array_interface__"):
            _check_numeric(data.dtype, data)
            data = backend.to_device(data, device)
            data = data.astype(data.dtype if dtype is None else dtype, copy=True)  # a copy, as torch.tensor
        else:
            data = _from_python(data, dtype)
            data = backend.to_device(data, device) if device != "cpu" else data
        if requires_grad and not dtypes.is_floating(data.dtype):
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {data.dtype}")
        self.array, self.grad, self.requires_grad = xp.asarray(data), None, requires_grad
        self._ctx, self._index, self._version = None, 0, None

    @staticmethod
    def wrap(array, requires_grad: bool = False, ctx: Function | None = None, index: int = 0) -> "Tensor":
        """A Tensor around ``array`` as it is: no copy, no checks (the cheap path for ops and layers).

        ``array`` must be a NumPy/CuPy array; ``ctx``/``index`` are for ``Function.apply`` (the node
        that made it, and which of its outputs this is).  A NumPy scalar (what NumPy returns for a 0-d
        result) becomes a 0-d array, so that in-place changes of it work.
        """
        if type(array) is not np.ndarray and isinstance(array, np.generic):
            array = np.asarray(array)
        t = _new(Tensor)
        t.array, t.grad, t.requires_grad, t._ctx, t._index, t._version = array, None, requires_grad, ctx, index, None
        return t

    _make = wrap  # the earlier private name

    # ----- what a tensor is
    shape = property(lambda self: tuple(self.array.shape))
    dtype = property(lambda self: self.array.dtype)
    ndim = property(lambda self: self.array.ndim)
    device = property(lambda self: backend.device_of(self.array))
    is_leaf = property(lambda self: self._ctx is None)
    is_cuda = property(lambda self: self.device == "cuda")

    def size(self, dim: int | None = None):
        """The shape (torch's ``size()``), or its length along ``dim``."""
        return self.shape if dim is None else self.shape[indexing.check_dim(dim, self.ndim, "size")]

    def numel(self) -> int:
        """The number of elements."""
        return int(self.array.size)

    def dim(self) -> int:
        """The number of dimensions."""
        return self.array.ndim

    def is_floating_point(self) -> bool:
        return dtypes.is_floating(self.dtype)

    @property
    def data(self) -> "Tensor":
        """torch's ``.data``: a Tensor sharing this one's memory, with no graph and its own version counter.

        Changes made through it are not seen by autograd (as torch): use it for
        updates that must not be recorded, e.g. ``p.data.add_(p.grad, alpha=-lr)``.
        The raw array is ``.array``.
        """
        return _make(self.array)

    @data.setter
    def data(self, value) -> None:
        self.array = value.array if isinstance(value, Tensor) else value

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.array)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        dev = "" if self.device == "cpu" else f", device={self.device!r}"
        body = np.array2string(self.numpy(), separator=", ", prefix="Tensor(")
        return f"Tensor({body}, dtype={self.dtype}{dev}{grad})"

    def numpy(self) -> np.ndarray:
        """The data as a NumPy array: shares memory on the CPU (as torch), copied from the GPU.

        Unlike torch, allowed on a tensor that requires grad (no need for ``.detach()`` first).
        """
        return backend.to_numpy(self.array)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """NumPy's conversion, ``np.asarray(t)``: the data as ``numpy()`` gives it (shared on the CPU, copied
        from a GPU), cast to ``dtype`` if given; ``copy=False`` raises where a copy is needed (NumPy's rule)."""
        cast = dtype is not None and np.dtype(dtype) != self.dtype
        if copy is False and (cast or self.device != "cpu"):
            raise ValueError(f"np.asarray(copy=False) of a {self.device} {self.dtype} tensor as {dtype}: "
                             "a copy is needed")
        a = self.numpy().astype(dtype, copy=False) if cast else self.numpy()
        return a.copy() if copy else a

    def __dlpack__(self, **kwargs):
        """The DLPack capsule of the data (no copy): ``torch.from_dlpack(t)`` shares its memory,
        ``torch.tensor(t)`` copies it, as for a torch tensor."""
        return self.array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self.array.__dlpack_device__()

    def item(self):
        """The one element as a Python number."""
        if self.array.size != 1:
            raise ValueError(f"item() needs a tensor of one element, got shape {self.shape}")
        return self.array.item()

    def __bool__(self) -> bool:
        """The truth of a one-element tensor; refused for more (as torch: `==` is elementwise)."""
        if self.array.size != 1:
            raise RuntimeError(f"the truth value of a tensor of shape {self.shape} (more than one value) is "
                               "ambiguous: use .any() / .all(), or tr.equal(a, b) to compare tensors")
        return bool(self.array.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def tolist(self):
        """The data as (nested) Python lists of numbers."""
        return backend.to_numpy(self.array).tolist()

    def detach(self) -> "Tensor":
        """The same data, cut from the graph (shares memory and the version counter, as torch)."""
        t = _make(self.array)
        t._version = self._shared_version()
        return t

    def _shared_version(self) -> list:
        """The version counter as a list that an alias can share (created at 0 when there is none yet)."""
        if self._version is None:
            self._version = [0]
        return self._version

    def retain_grad(self) -> None:
        """Keep this intermediate's ``.grad`` after backward (leaves always keep theirs)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() on a tensor that does not require grad")
        ctx = self._ctx
        if ctx is not None and all(r() is not self for r in ctx.retained):
            ctx.retained = ctx.retained + (weakref.ref(self),)

    def requires_grad_(self, flag: bool = True) -> "Tensor":
        if flag and not dtypes.is_floating(self.dtype):
            raise TypeError(f"only floating-point tensors can require gradients, got dtype {self.dtype}")
        self.requires_grad = flag
        return self

    def _bump_version(self) -> None:
        """Record an in-place change of ``array`` (graphs that saved the old values will refuse backward)."""
        if self._version is None:
            self._version = [1]
        else:
            self._version[0] += 1

    # ----- backpropagation
    def backward(self, gradient=None, retain_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (chain rule, reverse order).

        ``gradient`` (a Tensor of self's shape and device) is the upstream gradient, needed when self
        is not a scalar.  Saved arrays are freed afterwards unless ``retain_graph=True``.
        """
        if not self.requires_grad:
            raise RuntimeError("backward() on a tensor that does not require grad (no graph to walk)")
        if gradient is None:
            if self.array.size != 1:
                raise RuntimeError(f"backward() of a non-scalar of shape {self.shape} needs a gradient argument")
            seed = backend.array_module(self.array).ones_like(self.array)
        elif (type(gradient) is Tensor and type(gradient.array) is type(self.array)
              and gradient.array.shape == self.array.shape and gradient.array.dtype.kind == "f"):
            seed = gradient.array  # the common case, checked inline: nothing to complain about
        else:
            seed = _seed(gradient, self)
        _walk_backward(self, seed, retain_graph)


_new, _make = object.__new__, Tensor.wrap  # hot-path shortcuts (no attribute lookup per op)


def _check_numeric(dtype, data=None) -> None:
    if np.dtype(dtype).kind not in dtypes.NUMERIC_KINDS:
        raise TypeError(f"Tensor: expected numeric data (bool, integer or floating point), got an array of "
                        f"dtype {dtype}" + ("" if data is None else f": {str(data)[:60]}"))


def _from_python(data, dtype):
    """Python numbers and (nested) lists as an array: floats float32, ints int64 (torch.tensor's rules)."""
    if isinstance(data, (list, tuple)) and any(isinstance(v, Tensor) for v in data):
        data = [v.numpy() if isinstance(v, Tensor) else v for v in data]
    try:
        arr = np.asarray(data, dtype=dtype)
    except (ValueError, TypeError) as e:
        raise TypeError(f"Tensor: expected a number or a (nested) list of numbers of a regular shape, "
                        f"got {str(data)[:60]} ({e})") from None
    _check_numeric(arr.dtype, data)
    if dtype is None and arr.dtype == np.float64:
        arr = arr.astype(np.float32)
    return arr


def _seed(gradient, t: Tensor):
    """backward's ``gradient`` argument checked: a Tensor (or array) of t's shape, on t's device."""
    if isinstance(gradient, Tensor):
        seed = gradient.array
    elif isinstance(gradient, np.ndarray) or hasattr(gradient, "__cuda_array_interface__"):
        seed = gradient
    else:
        raise TypeError(f"backward(): gradient must be a Tensor or None, got {type(gradient).__name__}")
    if backend.device_of(seed) != t.device:
        raise backend.DeviceError(f"backward(): gradient on {backend.device_of(seed)!r} for a tensor on "
                                  f"{t.device!r}; move it with .to({t.device!r})")
    if tuple(seed.shape) != t.shape:
        raise ValueError(f"backward(): gradient of shape {tuple(seed.shape)} for a tensor of shape {t.shape}")
    if not dtypes.is_floating(seed.dtype):
        raise TypeError(f"backward(): gradient must be floating point, got dtype {seed.dtype}")
    return seed
