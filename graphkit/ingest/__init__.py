"""Ledgers in: reading files, mapping sheets to records, resolving names, checks; templates, annotated copies, draft mappings and synthetic ledgers. Imports core only."""
