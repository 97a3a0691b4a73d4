"""tinyspike: spiking transformers for language, in NumPy, with every backward written by hand.

The package reads like the papers' table of contents:

- ``tinyspike.layers``     the engine: layers with an explicit forward and a hand-written backward
- ``tinyspike.training``   AdamW, learning-rate schedule, gradient clipping
- ``tinyspike.testing``    the gradient checker and Hypothesis strategies used by every test
"""

__version__ = "0.1.0"
