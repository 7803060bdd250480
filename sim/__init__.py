"""sezsim: an agent-based simulation of special economic zones and industrial clusters.

Quick use::

    from sim import SEZClusterModel, load_scenario
    model = SEZClusterModel("scenarios/kazakhstan.yaml", policy="merge", rng=42)
    model.run(until=2040)
    table = model.indicators()
"""

from sim.indicators import INDICATORS
from sim.model import DEFAULT_SCENARIO, SEZClusterModel
from sim.parameters import ModelParameters
from sim.policy import POLICIES, Policy, get_policy
from sim.scenario import Scenario, ScenarioError, load_scenario

__all__ = [
    "DEFAULT_SCENARIO",
    "INDICATORS",
    "POLICIES",
    "ModelParameters",
    "Policy",
    "SEZClusterModel",
    "Scenario",
    "ScenarioError",
    "get_policy",
    "load_scenario",
]

__version__ = "0.1.0"
