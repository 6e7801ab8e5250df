"""Cohorts: score many patients at once, validate studies against a centre's outcomes.

reader (batches in) -> scorer (convert, derive; cells: one engine call per field
cell; vector: Kleene logic over verdict arrays) -> writer (atomic output, compact
JSON lines); run orchestrates batches and worker processes; frame is the DataFrame API;
validation and km_plot compare published survival with observed; synth makes
synthetic cohorts. Nothing here is imported by `prognosis compare`.
"""
