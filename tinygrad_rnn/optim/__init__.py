"""Optimizers with torch's update rules and defaults: SGD, Adam, Adagrad, RMSprop."""
from .adagrad import Adagrad
from .adam import Adam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "Adagrad", "RMSprop"]
