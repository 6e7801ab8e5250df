"""Bundled rule sets (YAML) and the field dictionary, installed as package data."""
