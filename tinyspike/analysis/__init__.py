"""Analysis: saturation per neuron site, energy from measured firing rates, parameter and operation counts."""
from .energy import E_AC_PJ, E_MAC_PJ, EnergyReport, LayerEnergy, ann_equivalent_mj, energy_report
from .ops import Operation, block_parameters, count_parameters, operations, operations_per_token
from .recording import SITES, record_sites
from .saturation import SaturationReport, SiteSaturation, saturation_report

__all__ = ["saturation_report", "SaturationReport", "SiteSaturation", "energy_report", "EnergyReport",
           "LayerEnergy", "ann_equivalent_mj", "E_AC_PJ", "E_MAC_PJ", "count_parameters", "block_parameters", "operations",
           "operations_per_token", "Operation", "record_sites", "SITES"]
