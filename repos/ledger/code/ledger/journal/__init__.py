"""ledger.journal subpackage."""
