"""The prognosis comparator's engine: rule sets, patients, evaluation.

The CLI is a thin layer over this package; everything here returns plain data.
"""
