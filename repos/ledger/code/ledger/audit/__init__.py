"""ledger.audit subpackage."""
