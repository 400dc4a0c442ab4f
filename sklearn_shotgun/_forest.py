"""Random forests that build their trees without scikit-learn's per-tree parameter plumbing.

On the tiny target sets of shotgun transfer (tens of rows) a forest's fit time is dominated
not by growing trees but by ``BaseEnsemble._make_estimator``, which clones the template tree
and sets its parameters through ``get_params``/``set_params`` (``inspect.signature`` per
call): about half of a 50-tree fit on 50 rows. The transfer search fits thousands of such
forests, so these subclasses construct each tree directly with the same parameters and the
same random seed draw. The fitted forests are identical, tree for tree, to scikit-learn's
(tested), and they are ordinary ``RandomForestRegressor``/``RandomForestClassifier``
instances for everything else.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

__all__ = ["FastRandomForestClassifier", "FastRandomForestRegressor"]

_MAX_SEED = np.iinfo(np.int32).max


class _DirectTrees:
    """Mixin replacing ``_make_estimator`` by a direct constructor call."""

    def _make_estimator(self, append: bool = True, random_state: Any = None) -> Any:
        params = {p: getattr(self, p) for p in self.estimator_params}
        if random_state is not None:
            # scikit-learn's _set_random_states draws one integer per "random_state"
            # parameter; a tree has exactly one, so this is the same draw.
            params["random_state"] = random_state.randint(_MAX_SEED)
        tree = type(self.estimator_)(**params)
        if append:
            self.estimators_.append(tree)
        return tree


class FastRandomForestRegressor(_DirectTrees, RandomForestRegressor):
    """``RandomForestRegressor`` with cheaper tree construction (identical results)."""


class FastRandomForestClassifier(_DirectTrees, RandomForestClassifier):
    """``RandomForestClassifier`` with cheaper tree construction (identical results)."""
