"""ledger.tax subpackage."""
