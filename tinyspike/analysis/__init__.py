"""Analysis: saturation per neuron site (and its prediction after a rotation), energy from measured firing rates, parameter and operation counts."""
from .energy import E_AC_PJ, E_MAC_PJ, EnergyReport, LayerEnergy, ann_equivalent_mj, energy_report
from .ops import Operation, block_parameters, count_parameters, operations, operations_per_token
from .prediction import (gaussian_tail, lif_saturation_level, predicted_saturation_after_rotation,
                         predicted_saturation_after_rotation_over_time, token_rms)
from .recording import SITES, record_sites
from .saturation import SaturationReport, SiteSaturation, saturation_report

__all__ = ["saturation_report", "SaturationReport", "SiteSaturation", "energy_report", "EnergyReport",
           "LayerEnergy", "ann_equivalent_mj", "E_AC_PJ", "E_MAC_PJ", "count_parameters", "block_parameters", "operations",
           "operations_per_token", "Operation", "record_sites", "SITES",
           "predicted_saturation_after_rotation", "predicted_saturation_after_rotation_over_time",
           "lif_saturation_level", "gaussian_tail", "token_rms"]
