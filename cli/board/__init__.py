"""`prognosis board`."""
