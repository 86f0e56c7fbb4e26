"""ledger.core subpackage."""
