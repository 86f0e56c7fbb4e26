"""taskflow.dsl subpackage."""
