"""taskflow.observe subpackage."""
