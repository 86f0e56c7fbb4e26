"""taskflow.core subpackage."""
