"""Parsing of the docforge markup language into an abstract syntax tree."""
