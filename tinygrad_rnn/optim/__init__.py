"""Optimizers with torch's update rules and defaults: SGD, Adam, Adagrad, RMSprop; learning-rate schedulers
in ``lr_scheduler`` (StepLR, MultiStepLR, ExponentialLR, LambdaLR, ReduceLROnPlateau)."""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "Adagrad", "RMSprop", "lr_scheduler"]
