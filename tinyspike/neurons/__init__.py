"""Spiking neurons: the protocol (base.py) and registry, surrogates, multi-step LIF, IF, PLIF, SpikeLM elastic
neuron, encoding/readout, spike statistics."""
