"""
Featurize molecules and polymers; fit the no-transfer baseline
==============================================================

Before any transfer, fit the model a practitioner would fit without it. This example turns
QM9 molecules and RadonPy polymer repeat units into descriptor matrices with the package's
featurizers, then fits :class:`~sklearn_shotgun.NoTransferRegressor` (a random forest or a ridge
model on the descriptor, the pair that cross-validates best) to the heat capacity Cp of 58
polymers, and draws its
cross-validated predictions against the true values.
"""

# %%
# Molecules: fingerprints and RDKit descriptors
# ---------------------------------------------
# :func:`~sklearn_shotgun.datasets.load_qm9` reads QM9 (130,831 molecules); five are enough
# to show the featurizers. ``set_output(transform="pandas")`` names the columns.
from sklearn_shotgun import CompositionFeaturizer, DescriptorFeaturizer, FingerprintFeaturizer
from sklearn_shotgun.datasets import load_qm9, load_radonpy

molecules = load_qm9(n_samples=5, random_state=0)
print(molecules[["SMILES", "Heatcapacity_Cv_cal_mol_K"]])

counts = FingerprintFeaturizer(counts=True, n_bits=1024).set_output(transform="pandas")
fingerprints = counts.fit_transform(molecules["SMILES"])
print(fingerprints.shape, "non-zero counts per molecule:", (fingerprints > 0).sum(axis=1).tolist())

descriptors = DescriptorFeaturizer().set_output(transform="pandas")
print(descriptors.fit_transform(molecules["SMILES"]).iloc[:, :3].round(3).to_string())

# %%
# Polymers: repeat units with ``*`` attachment points
# ---------------------------------------------------
# :func:`~sklearn_shotgun.datasets.load_radonpy` reads the RadonPy data set (MD-computed
# properties of 1,077 amorphous polymers). Take 58 polymers with a heat capacity, the
# size of a typical small-data target. The featurizers read the ``*`` of a repeat unit as
# a dummy atom (``polymer="dummy"``), cap it with hydrogen or close the ring.
polymers = load_radonpy().dropna(subset=["Cp"]).sample(n=58, random_state=0)
smiles = polymers["smiles"].tolist()
y = polymers["Cp"].to_numpy()
print(smiles[:3], f"Cp from {y.min():.0f} to {y.max():.0f} J/(kg K)")

for polymer in ("dummy", "hydrogen", "cyclic"):
    X = FingerprintFeaturizer(kind="maccs", polymer=polymer).fit_transform(smiles)
    print(f"MACCS keys, polymer={polymer!r}: {X.shape}, {int(X.sum())} bits set")

composition = CompositionFeaturizer(input="smiles").set_output(transform="pandas")
print(composition.fit_transform(smiles[:2]).iloc[:, :3].round(2))

# %%
# The no-transfer baseline
# ------------------------
# :class:`~sklearn_shotgun.NoTransferRegressor` computes count Morgan fingerprints, RDKit
# descriptors and compositions of the SMILES, cross-validates a forest and a ridge model on
# each and keeps the best pair. Its ``cv_results_`` rank the (descriptor, model) pairs.
from sklearn_shotgun import NoTransferRegressor

baseline = NoTransferRegressor(n_estimators=100, random_state=0, n_jobs=2).fit(smiles, y)
print(baseline.cv_results_.round(1).to_string(index=False))

# %%
# The inner CV error of the winner is optimistic (it won a comparison). An honest estimate
# cross-validates the whole selection: ``cross_val_predict`` refits the baseline, descriptor
# choice included, on each training fold.
from sklearn.model_selection import KFold, cross_val_predict

from sklearn_shotgun.plotting import plot_parity

folds = KFold(5, shuffle=True, random_state=0)
predicted = cross_val_predict(
    NoTransferRegressor(n_estimators=100, random_state=0, n_jobs=2), smiles, y, cv=folds
)
ax = plot_parity(y, predicted, label="NoTransferRegressor, 5-fold CV", units="J/(kg K)")
ax.set_title("Heat capacity Cp of 58 RadonPy polymers")
