"""Neural-network layers on the engine, named and shaped as ``torch.nn``.

    Module, Parameter                      module.py
    Linear, Embedding, Dropout             linear.py, embedding.py, dropout.py
    RNNCell, LSTMCell, GRUCell             cells.py   (one step, the unrolled path)
    RNN, LSTM, GRU                         rnn.py     (whole sequences, fused or unrolled)
    init, functional, utils (clipping)
"""
from . import functional, init, utils
from .cells import GRUCell, LSTMCell, RNNCell
from .dropout import Dropout
from .embedding import Embedding
from .linear import Linear
from .module import Module, Parameter
from .rnn import GRU, LSTM, RNN

__all__ = ["Module", "Parameter", "Linear", "Embedding", "Dropout", "RNNCell", "LSTMCell", "GRUCell",
           "RNN", "LSTM", "GRU", "init", "functional", "utils"]
