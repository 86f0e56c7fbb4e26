"""taskflow.execution subpackage."""
