"""taskflow.storage subpackage."""
