"""The engine: layers with an explicit forward and a hand-written backward next to it."""
from .activations import GELU, SiLU, Tanh, gelu_backward, gelu_forward, sigmoid, silu_backward, silu_forward
from .base import Layer, Parameter
from .containers import Residual, Sequential
from .dropout import Dropout
from .embedding import Embedding
from .layernorm import LayerNorm, layernorm_backward, layernorm_forward
from .linear import Linear, linear_backward, linear_forward
from .losses import cross_entropy_backward, cross_entropy_forward, mse_backward, mse_forward
from .rmsnorm import RMSNorm, rmsnorm_backward, rmsnorm_forward
from .softmax import Softmax, softmax_backward, softmax_forward

__all__ = [
    "Layer", "Parameter", "Linear", "Embedding", "LayerNorm", "RMSNorm", "GELU", "SiLU", "Tanh", "Softmax",
    "Dropout", "Sequential", "Residual", "cross_entropy_forward", "cross_entropy_backward", "mse_forward",
    "mse_backward", "linear_forward", "linear_backward", "layernorm_forward", "layernorm_backward",
    "rmsnorm_forward", "rmsnorm_backward", "gelu_forward", "gelu_backward", "silu_forward", "silu_backward",
    "softmax_forward", "softmax_backward", "sigmoid",
]
