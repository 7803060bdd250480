"""Build the compiled helpers (sim/_kernels.c); everything else is in pyproject.toml."""

import sys

from setuptools import Extension, setup

# A fused multiply-add or reassociated sum would change results in the last bits; the
# kernels must add in exactly the order numpy's bincount does (docs/performance.md).
flags = [] if sys.platform == "win32" else ["-O3", "-ffp-contract=off", "-fno-fast-math"]

# optional: without a C compiler the install still works and sim.kernels uses its numpy
# twins (same results, slower); tests/test_kernels.py fails then, so CI notices.
setup(
    ext_modules=[
        Extension("sim._kernels", ["sim/_kernels.c"], extra_compile_args=flags, optional=True)
    ]
)
