"""The ``zhkg`` command line: argument parsing and printing only; the work happens in :mod:`graph.api`."""
