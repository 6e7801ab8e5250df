"""Cohorts: score many patients at once, validate studies against a centre's outcomes.

reader (batches in) -> scorer (cells, one engine call per field cell) -> writer
(atomic output); run orchestrates worker processes; frame is the DataFrame API;
validation and km_plot compare published survival with observed; synth makes
synthetic cohorts. Nothing here is imported by `prognosis compare`.
"""
