"""The output folder: Graph <-> Parquet tables + manifest, and a province built from its county parts."""
