"""ledger.accounts subpackage."""
