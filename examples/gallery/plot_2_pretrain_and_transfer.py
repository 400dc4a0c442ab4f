"""
Pretrain a small pool on QM9 and transfer it to polymers
========================================================

The whole method on a small scale: pretrain 8 pyramid networks on the heat capacity of
2,000 QM9 molecules, save the pool as a library and load it back, then let
:class:`~sklearn_shotgun.ShotgunTransferRegressor` search every (source network, hidden
layer) candidate, together with forests on the polymers' own descriptors ("no transfer"),
for the heat capacity Cp of 58 RadonPy polymers.

A real pool has hundreds of networks trained on all of QM9 for a hundred epochs or more
(``examples/pretrain_qm9_pool.py`` in the repository); this one trains in seconds.
"""

# %%
# Pretrain the source pool
# ------------------------
# The source property is QM9's heat capacity Cv in its intensive form, per gram
# (``target_transform="per_gram"``), on RDKit 2D descriptors: the setting the accuracy
# benchmark found to transfer best to polymer heat capacities. Every network gets a random
# pyramid architecture, a random subset of the descriptor columns and a bootstrap sample
# of the rows; its out-of-bag R2 is recorded in the library.
from sklearn_shotgun import DescriptorFeaturizer, ShotgunPretrainer
from sklearn_shotgun.datasets import load_qm9

qm9 = load_qm9(n_samples=2000, random_state=0)
pretrainer = ShotgunPretrainer(
    DescriptorFeaturizer(),
    n_models=8,
    n_hidden_layers=(3, 4),
    max_first_width=64,
    max_sparsity=0.99,
    max_epochs=(20, 30),
    random_state=0,
    verbose=0,
    property="Cv",
    units="cal/(mol K)",
    material="molecule",
    dataset="QM9",
    target_transform="per_gram",
)
pretrainer.fit(qm9["SMILES"].tolist(), qm9["Heatcapacity_Cv_cal_mol_K"].to_numpy())
pool = pretrainer.library_
print(pool.to_frame()[["architecture", "r2"]].round(3).to_string())

# %%
# Save the pool and load it back
# ------------------------------
# A library directory holds ``library.json`` (metadata of every model), safetensors shards
# (the weights, checked against a sha256 on loading) and a model card ``README.md``: no
# pickle, ready for :meth:`~sklearn_shotgun.ModelLibrary.push_to_hub`.
import tempfile
from pathlib import Path

from sklearn_shotgun import ModelLibrary

folder = Path(tempfile.mkdtemp()) / "qm9_cv_pool"
pool.save(folder)
print(sorted(p.name for p in folder.iterdir()))
library = ModelLibrary.load(folder).filter(property="Cv", target_transform="per_gram")
print(f"{len(library)} models with property Cv per gram")

# %%
# Transfer to 58 polymers
# -----------------------
# The defaults: every hidden layer of every source is a candidate; each candidate's
# features are the frozen hidden layer plus the target's best own descriptor; a ridge
# screen keeps the 10 best, a 100-tree forest cross-validates them beside the no-transfer
# forests, and the 5 best are stacked.
from sklearn_shotgun import ShotgunTransferRegressor
from sklearn_shotgun.datasets import load_radonpy

polymers = load_radonpy().dropna(subset=["Cp"]).sample(n=58, random_state=0)
smiles, y = polymers["smiles"].tolist(), polymers["Cp"].to_numpy()

import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    model = ShotgunTransferRegressor(library, random_state=0, n_jobs=2).fit(smiles, y)
# Polymers have atoms and groups that QM9 molecules lack: the search says how much of the
# polymers' descriptor columns the sources never saw vary (SourceModel.coverage).
for warning in caught:
    print(f"{warning.category.__name__}: {warning.message}")
columns = ["source", "layer", "descriptor", "source_r2", "cv_mae_mean", "cv_mae_std"]
print(model.transfer_table_[columns].head(8).round(3).to_string(index=False))
print(f"selected: {model.best_source_}, layer {model.best_layer_}")
print("stacking weights of the 5 best:", model.ensemble_weights_.round(2))

# %%
# The transfer table as a plot: how well each source learned its own property (out-of-bag
# R2) against its cross-validated error on the target. The inner CV errors of the best
# candidates are optimistic: they won a comparison among many. The nested evaluation of the
# next example gives the number to report.
from sklearn_shotgun.plotting import plot_transfer_table

ax = plot_transfer_table(model.transfer_table_, units="J/(kg K)")
ax.set_title("QM9 Cv sources transferred to polymer Cp")
