"""taskflow: job scheduling and workflow orchestration primitives."""

__version__ = "0.4.0"

from taskflow.errors import TaskflowError

__all__ = ["TaskflowError", "__version__"]
