"""Measuring the PyTorch export (needs the ``torch`` extra): FLOP and byte counts of a training step
(``flops``, ``roofline``), spikes changed by bf16 (``precision``), the timed PyTorch peer of a
tinyspike training step (``peer``). Run from the repository root, e.g.
``PYTHONPATH=. python -m benchmarks.torch_tools.roofline --preset base --variant smoothspike``.
"""
