"""ANN-to-SNN conversion: drop plug-and-play spiking operators into a trained float model, no fine-tuning,
and report the per-layer output error against the float model."""
from .convert import OPERATOR_KINDS, Conversion, convert
from .report import ErrorReport, LayerError, error_report
from .sites import (SpikingGELUSite, SpikingLayerNormSite, SpikingRMSNormSite, SpikingSiLUSite, SpikingSite,
                    SpikingSoftmaxSite)

__all__ = ["convert", "Conversion", "OPERATOR_KINDS", "ErrorReport", "LayerError", "error_report", "SpikingSite",
           "SpikingSoftmaxSite", "SpikingGELUSite", "SpikingSiLUSite", "SpikingLayerNormSite", "SpikingRMSNormSite"]
