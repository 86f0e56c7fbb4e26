"""ledger.io subpackage."""
