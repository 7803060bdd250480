"""The stages of the year (docs/ODD.md, section 3), one module per submodel.

Each stage is a function that takes the model (its state: the firm table, the
territory, the agents) and writes what it changes; the equations it applies are in
:mod:`sim.economy` (pure numpy and Numba functions, cited by label), and the decisions
of actors in their modules in :mod:`sim.agents`. ``SEZClusterModel.step()`` calls them
in the order of the schedule:

- :mod:`~sim.processes.zones`: zones open and close (the government's calendar).
- :mod:`~sim.processes.privileges`: privileges and cluster channels per firm (F1, M6, P3-P5).
- :mod:`~sim.processes.markets`: productivity, prices, trade, expenditure (P1-P4, M1-M9).
- :mod:`~sim.processes.clusters`: integrators and institutes act.
- :mod:`~sim.processes.institutes`: institutes choose partners, grow and spin off (I1-I5).
- :mod:`~sim.processes.innovation`: innovation and knowledge (D1, P5).
- :mod:`~sim.processes.investment`: investment and SEZ projects (D2).
- :mod:`~sim.processes.relocation`: relocation (D4).
- :mod:`~sim.processes.registration`: cluster members register in their cluster zone (R1).
- :mod:`~sim.processes.incumbents`: incumbents start or stop exporting (X1-X2) and join
  or leave clusters (J1-J2).
- :mod:`~sim.processes.exit`: exit and abandonment (D5).
- :mod:`~sim.processes.entry`: entry and location choice (D3).
- :mod:`~sim.processes.labour`: labour forces and wages (L1).
- :mod:`~sim.processes.initialisation`: the firms of the first year (ODD section 5).
"""
