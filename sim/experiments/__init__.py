"""Experiments: designs, runs, backends, the results store and the analysis.

- :mod:`sim.experiments.spec`: experiment files (typed schema, validation).
- :mod:`sim.experiments.design`: grid, Latin hypercube, Sobol and Morris samples.
- :mod:`sim.experiments.runs`: the list of runs of an experiment and running one.
- :mod:`sim.experiments.backends`: where runs execute (local process pool, Dask).
- :mod:`sim.experiments.store`: the crash-safe, resumable Parquet store.
- :mod:`sim.experiments.analysis`: synergy effects with confidence intervals, sensitivity.
- :mod:`sim.experiments.report`: the Markdown report with its plots.
"""
