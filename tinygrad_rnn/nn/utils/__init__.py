"""Utilities for training recurrent networks, as ``torch.nn.utils``.

    clip_grad_norm_, clip_grad_value_      clip_grad.py   (exploding gradients)
"""
from .clip_grad import clip_grad_norm_, clip_grad_value_

__all__ = ["clip_grad_norm_", "clip_grad_value_"]
