"""ledger.periods subpackage."""
