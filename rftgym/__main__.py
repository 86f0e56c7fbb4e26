"""``python -m rftgym``: the same command line as ``rftgym``, for machines where the package is on
``PYTHONPATH`` but not installed (no console script), e.g. a GPU machine fed with carried wheels."""

from rftgym.cli import main

if __name__ == "__main__":
    main()
