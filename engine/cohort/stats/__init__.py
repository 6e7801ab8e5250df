"""The statistics of `prognosis validate`, one small module per question a methods reviewer asks.

Estimators come from libraries (lifelines: Kaplan-Meier, Cox; scikit-survival:
IPCW Brier score, cumulative/dynamic AUC, Harrell's C; dcurves: net benefit);
what is written here is the glue: which patients, which horizon, which
published figure to set beside which observed one. Every function takes plain
numpy arrays (time in months, event 1 = death) and returns plain data.
"""
