"""Neural-network layers on the engine, named and shaped as ``torch.nn``.

    Module, Parameter                          module.py (state dicts: state_dict.py)
    Sequential, ModuleList, ModuleDict,
    ParameterList, ParameterDict               containers.py
    Linear, Embedding, Dropout                 linear.py, embedding.py, dropout.py
    Identity, Tanh, ReLU, Sigmoid,
    Softmax, LogSoftmax                        activation.py
    CrossEntropyLoss, NLLLoss, MSELoss         loss.py
    the cell types, one file each              elman.py, lstm.py, gru.py (step + spec: spec.py)
    RNNCell, LSTMCell, GRUCell                 cells.py   (one step, the unrolled path)
    RNN, LSTM, GRU                             rnn.py     (whole sequences, fused or unrolled)
    Recurrent                                  recurrent.py (any cell over a sequence)
    init, functional, utils (clipping, packing)
"""
from . import functional, init, utils
from .activation import Identity, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .cells import GRUCell, LSTMCell, RNNCell
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from .dropout import Dropout
from .embedding import Embedding
from .linear import Linear
from .loss import CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module, Parameter
from .recurrent import Recurrent
from .rnn import GRU, LSTM, RNN

__all__ = ["Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict",
           "Linear", "Embedding", "Dropout", "Identity", "Tanh", "ReLU", "Sigmoid", "Softmax", "LogSoftmax",
           "CrossEntropyLoss", "NLLLoss", "MSELoss", "RNNCell", "LSTMCell", "GRUCell", "RNN", "LSTM", "GRU",
           "Recurrent", "init", "functional", "utils"]
