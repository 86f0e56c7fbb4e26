"""ledger.reports subpackage."""
