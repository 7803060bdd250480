"""Submodels: the model's equations as pure numpy functions (no Mesa, no I/O).

- :mod:`sim.economy.market`: Dixit-Stiglitz demand, price indices, market access,
  equilibrium expenditure (equations M1-M7 of docs/ODD.md), and the input-output
  linkages between related sectors (M8, M9).
- :mod:`sim.economy.productivity`: Marshallian externalities, SEZ infrastructure,
  integrator coordination, knowledge (P1-P5).
- :mod:`sim.economy.firm_dynamics`: innovation, investment, entry location choice,
  relocation and exit (D1-D6).
- :mod:`sim.economy.incumbents`: incumbents' export (X1-X2) and cluster-membership
  (J1-J2) decisions.
- :mod:`sim.economy.fiscal`: taxes and the budget cost of privileges (F1-F3).
- :mod:`sim.economy.neg`: closed forms of the footloose-entrepreneur model (validation).
"""
