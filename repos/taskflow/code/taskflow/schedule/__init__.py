"""taskflow.schedule subpackage."""
