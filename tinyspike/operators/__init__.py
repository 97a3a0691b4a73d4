"""Plug-and-play spiking operators: integer spike-count primitives and the Transformer nonlinearities built
from them (Softmax, SiLU, GELU, LayerNorm, RMSNorm). Float in, float out; integers in between."""
from .boundary import IFBoundary
from .cordic import cordic_gain, cordic_vectoring, l2_norm_tree
from .division import divide, divide_signed, division_population, reciprocal
from .signed_if_encoding import if_decode, if_encode, if_encode_simulated
from .exponential import Base2Exp, eps_exp, eps_exp2, exp2_fixed, exp2_table, exp_pwl, exp_table
from .fixedpoint import SPIKE_INT, from_fixed, rshift_round, to_fixed
from .spiking_gelu import SpikingGELU
from .norms import SpikingLayerNorm, SpikingRMSNorm
from .pwl import PWLTable, build_pwl_table, pwl_evaluate, thermometer_segment, thermometer_segment_simulated
from .shift import constant_multiplier, scale_by_constant, shift_scale
from .silu import SpikingSiLU
from .spiking_softmax import SpikingSoftmax

__all__ = [
    "SpikingSoftmax", "SpikingGELU", "SpikingSiLU", "SpikingLayerNorm", "SpikingRMSNorm", "IFBoundary",
    "SPIKE_INT", "to_fixed", "from_fixed", "rshift_round", "shift_scale", "constant_multiplier",
    "scale_by_constant", "if_encode", "if_encode_simulated", "if_decode", "division_population", "divide",
    "divide_signed", "reciprocal", "PWLTable", "build_pwl_table", "pwl_evaluate", "thermometer_segment",
    "thermometer_segment_simulated", "exp_table", "exp_pwl", "exp2_table", "exp2_fixed", "Base2Exp",
    "eps_exp", "eps_exp2", "cordic_gain", "cordic_vectoring", "l2_norm_tree",
]
