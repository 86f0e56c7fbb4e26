"""Small text utilities shared by the markup, render, template and site packages."""
