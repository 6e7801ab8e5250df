"""Command-line interface of the prognosis comparator (`prognosis`)."""
