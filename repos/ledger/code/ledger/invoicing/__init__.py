"""ledger.invoicing subpackage."""
