"""Offline autograder for neural-network exercises that names the student's mistake.

Set single-threaded BLAS before numpy is imported anywhere: the sandbox forks worker processes
from a zygote, and forking a process whose BLAS has started threads can deadlock.
"""

import os

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

__version__ = "0.1.0"
