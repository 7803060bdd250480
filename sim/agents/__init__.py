"""The model's entities: one module per agent type (ODD: entities and state variables)."""

from sim.agents.firm import Firm, FirmTable
from sim.agents.government import Government
from sim.agents.integrator import Integrator
from sim.agents.research_institute import ResearchInstitute

__all__ = ["Firm", "FirmTable", "Government", "Integrator", "ResearchInstitute"]
