"""Utilities for training recurrent networks, as ``torch.nn.utils``.

    clip_grad_norm_, clip_grad_value_      clip_grad.py   (exploding gradients)
    rnn: PackedSequence, pack_padded_sequence, pad_packed_sequence,
         pad_sequence, pack_sequence       rnn.py         (variable-length batches)
"""
from . import rnn
from .clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_", "rnn"]
