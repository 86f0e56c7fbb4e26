"""taskflow.graph subpackage."""
