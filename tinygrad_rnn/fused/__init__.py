"""Fused recurrent layers: one Function per layer and direction, BPTT written by hand.

The fast path behind ``nn.RNN`` / ``nn.LSTM`` / ``nn.GRU`` (``impl="fused"``).
Each file states the recurrence it implements and its derivation; tests hold
them equal to the unrolled graph, to finite differences and to PyTorch.
"""
from .gru import FusedGRU
from .lstm import FusedLSTM
from .rnn import FusedRNN

__all__ = ["FusedRNN", "FusedLSTM", "FusedGRU"]
