"""Spiking neurons: surrogates, multi-step LIF, encoding/readout, SpikeLM elastic neuron, spike statistics."""
