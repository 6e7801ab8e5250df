"""The bootstrap's default seed: fixed, printed with every report; `--seed` changes it."""

DEFAULT_SEED = 20211
