"""Functional forms of the layers' ops, as ``torch.nn.functional`` (``import ... as F``)."""
from ..ops import cross_entropy, dropout, embedding, log_softmax, relu, sigmoid, softmax, tanh

__all__ = ["cross_entropy", "dropout", "embedding", "log_softmax", "relu", "sigmoid", "softmax", "tanh"]
