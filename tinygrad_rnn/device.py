"""``tr.device`` and ``tr.cuda``: torch's spellings for where a tensor lives.

``tr.device("cuda")`` is a ``str`` subclass, so it is accepted everywhere a
device name is ("cpu" or "cuda"); ``.type`` and ``.index`` read as torch's.
"""
from __future__ import annotations

from . import backend


class device(str):  # noqa: N801 - torch's name
    """A device name: ``device("cpu")``, ``device("cuda")`` or ``device("cuda:0")`` (only GPU 0 is used)."""

    def __new__(cls, type: str, index: int | None = None):  # noqa: A002 - torch's argument name
        if isinstance(type, device):
            return type
        if not isinstance(type, str):
            raise TypeError(f"device: expected a string such as 'cpu' or 'cuda', got {type!r}")
        kind, _, number = type.partition(":")
        if kind not in backend.DEVICES or (number and not number.isdigit()):
            raise ValueError(f"device: expected 'cpu', 'cuda' or 'cuda:N', got {type!r}")
        self = super().__new__(cls, kind)
        self.index = int(number) if number else index
        return self

    @property
    def type(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"device(type={str(self)!r}" + ("" if self.index is None else f", index={self.index}") + ")"
