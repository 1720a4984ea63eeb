"""Analyses of a Graph (DataFrames); ``toolkit`` holds the helpers they share."""
