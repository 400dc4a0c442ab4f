"""The package imports its heavy dependencies only where they are used (PEP 562 lazy names)."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import pytest
from sklearn.base import clone

import sklearn_shotgun
import sklearn_shotgun.featurizers

HEAVY = ("torch", "pymatgen", "skorch", "matplotlib", "huggingface_hub")


def _loaded_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter holds after running ``code``."""
    script = textwrap.dedent(code) + textwrap.dedent(
        f"""
        import sys
        print(",".join(m for m in {HEAVY!r} if m in sys.modules))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=300
    )
    last_line = out.stdout.rstrip("\n").rpartition("\n")[2]
    return [m for m in last_line.split(",") if m]


def test_package_import_loads_no_heavy_dependency():
    assert _loaded_after("import sklearn_shotgun") == []


def test_fingerprint_pipeline_loads_neither_torch_nor_pymatgen(qm9_frame):
    smiles = qm9_frame["SMILES"].iloc[:40].tolist()
    y = qm9_frame["Heatcapacity_Cv_cal_mol_K"].iloc[:40].tolist()
    loaded = _loaded_after(
        f"""
        from sklearn.linear_model import Ridge
        from sklearn.pipeline import make_pipeline
        from sklearn_shotgun import FingerprintFeaturizer
        assert FingerprintFeaturizer().fit_transform(["CCO"]).shape == (1, 2048)
        model = make_pipeline(FingerprintFeaturizer(n_bits=256), Ridge()).fit({smiles!r}, {y!r})
        assert model.predict({smiles[:3]!r}).shape == (3,)
        """
    )
    assert loaded == []


def test_transfer_and_library_names_do_not_load_torch():
    # Torch comes with fitting or running a network, not with the names.
    loaded = _loaded_after(
        "from sklearn_shotgun import ModelLibrary, NoTransferRegressor, ShotgunTransferRegressor"
    )
    assert "torch" not in loaded
    assert "huggingface_hub" not in loaded


@pytest.mark.parametrize("module", [sklearn_shotgun, sklearn_shotgun.featurizers])
def test_every_public_name_resolves_and_is_listed(module):
    assert len(module.__all__) == len(set(module.__all__))
    assert set(module.__all__) == set(module._LAZY) | ({"__version__"} & set(module.__all__))
    listed = dir(module)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
        assert name in listed, name
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchFeaturizer'"):
        module.NoSuchFeaturizer  # noqa: B018


def test_public_names_come_from_their_modules():
    assert sklearn_shotgun.FingerprintFeaturizer.__module__ == (
        "sklearn_shotgun.featurizers.fingerprint"
    )
    featurizers = sklearn_shotgun.featurizers
    assert sklearn_shotgun.FingerprintFeaturizer is featurizers.FingerprintFeaturizer
    from sklearn_shotgun.transfer import ShotgunTransferRegressor

    assert sklearn_shotgun.ShotgunTransferRegressor is ShotgunTransferRegressor


def test_submodules_are_attributes_after_a_bare_import():
    loaded = _loaded_after(
        """
        import sklearn_shotgun
        assert callable(sklearn_shotgun.evaluation.evaluate_transfer)
        assert callable(sklearn_shotgun.featurizers.fingerprint.FingerprintFeaturizer)
        assert "plotting" in dir(sklearn_shotgun)
        """
    )
    assert "torch" not in loaded


def test_star_import_gives_the_public_names():
    namespace: dict = {}
    exec("from sklearn_shotgun import *", namespace)
    assert set(sklearn_shotgun.__all__) <= set(namespace)


def test_fitted_estimator_pickles_into_a_fresh_interpreter(tmp_path):
    from sklearn_shotgun import FingerprintFeaturizer

    featurizer = FingerprintFeaturizer(n_bits=64).fit(["CCO", "c1ccccc1"])
    assert clone(featurizer).get_params() == featurizer.get_params()
    path = tmp_path / "featurizer.pkl"
    path.write_bytes(pickle.dumps(featurizer))
    # Unpickling resolves the class by its module path, which the lazy package must serve.
    loaded = _loaded_after(
        f"""
        import pickle
        featurizer = pickle.loads(open({str(path)!r}, "rb").read())
        assert featurizer.transform(["CCO"]).shape == (1, 64)
        """
    )
    assert loaded == []
