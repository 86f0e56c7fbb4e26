"""taskflow.limits subpackage."""
