"""Data sets in the warehouse: loading files, and which days and dimensions are ready."""
