"""ShotgunTransferRegressor/Classifier: a QM9 Cv pool transferred to RadonPy polymer Cp."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    LeaveOneOut,
    cross_val_predict,
    cross_val_score,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_shotgun import (
    DescriptorFeaturizer,
    FingerprintFeaturizer,
    FrozenNetFeaturizer,
    ModelLibrary,
    ShotgunTransferClassifier,
    ShotgunTransferRegressor,
    SourceModel,
)
from sklearn_shotgun._finetune import FineTunedRegressor
from sklearn_shotgun._heads import LinearHeadClassifier, LinearHeadRegressor
from sklearn_shotgun._screen import _ALPHAS
from sklearn_shotgun.transfer import LIBRARY_PREDICTIONS, NO_TRANSFER, _RegressorHead


@pytest.fixture(scope="module")
def fitted(qm9_pool, polymers):
    X, y = polymers
    # The grid over every (source, layer) candidate, without the no-transfer fallback.
    return ShotgunTransferRegressor(
        qm9_pool,
        layers="each",
        search="grid",
        features="frozen",
        no_transfer=False,
        cv=5,
        random_state=0,
    ).fit(X, y)


class TestFrozenNetFeaturizer:
    def test_raw_equals_precomputed(self, qm9_pool, polymers):
        X, _ = polymers
        source = qm9_pool[0]
        raw = FrozenNetFeaturizer(source).fit_transform(X)
        D = FingerprintFeaturizer(counts=True, n_bits=1024).fit_transform(X)
        pre = FrozenNetFeaturizer(source, precomputed=True).fit_transform(D)
        np.testing.assert_array_equal(raw, pre)
        assert raw.shape == (58, source.hidden_widths[-1])
        assert (raw >= 0).all()  # post-ReLU activations

    def test_layers_and_names(self, qm9_pool, polymers):
        X, _ = polymers
        source = qm9_pool[0]
        everything = FrozenNetFeaturizer(source, layer="all").fit(X)
        assert everything.transform(X).shape[1] == sum(source.hidden_widths)
        names = everything.get_feature_names_out()
        assert names[0] == f"{source.id}/h1_00"
        assert names[-1] == f"{source.id}/h{source.n_hidden}_{source.hidden_widths[-1] - 1:02d}"
        first = FrozenNetFeaturizer(source, layer=0).fit(X).transform(X)
        np.testing.assert_array_equal(first, everything.transform(X)[:, : first.shape[1]])

    def test_model_id_resolved_against_library(self, qm9_pool, polymers):
        X, _ = polymers
        by_id = FrozenNetFeaturizer(qm9_pool.ids[1], library=qm9_pool).fit_transform(X)
        np.testing.assert_array_equal(by_id, FrozenNetFeaturizer(qm9_pool[1]).fit_transform(X))

    def test_with_descriptor_appends_raw_columns(self, qm9_pool, polymers):
        X, _ = polymers
        source = qm9_pool[0]
        frozen = FrozenNetFeaturizer(source, with_descriptor=True).fit(X)
        H = frozen.transform(X)
        D = FingerprintFeaturizer(counts=True, n_bits=1024).fit_transform(X)
        np.testing.assert_array_equal(H[:, source.hidden_widths[-1] :], D[:, source.columns])
        assert frozen.get_feature_names_out()[-1].startswith(f"{source.id}/morgan_r2_b")

    def test_transform_changes_no_state(self, qm9_pool, polymers):
        X, _ = polymers
        frozen = FrozenNetFeaturizer(qm9_pool[0]).fit(X)
        before = {k: v.copy() for k, v in qm9_pool[0].state_dict.items()}
        first = frozen.transform(X)
        np.testing.assert_array_equal(frozen.transform(X), first)
        for k, v in before.items():
            np.testing.assert_array_equal(qm9_pool[0].state_dict[k], v)

    def test_bad_layer_and_source(self, qm9_pool, polymers):
        X, _ = polymers
        with pytest.raises(ValueError, match="does not exist"):
            FrozenNetFeaturizer(qm9_pool[0], layer=9).fit(X)
        with pytest.raises(ValueError, match="not in the library"):
            FrozenNetFeaturizer("nope", library=qm9_pool).fit(X)
        with pytest.raises(ValueError, match="no library"):
            FrozenNetFeaturizer("nope").fit(X)


class TestGridSearch:
    def test_attributes(self, fitted, qm9_pool):
        n_candidates = sum(m.n_hidden for m in qm9_pool)
        assert fitted.n_candidates_ == n_candidates
        table = fitted.transfer_table_
        assert len(table) == n_candidates
        assert list(table["rank"]) == list(range(1, n_candidates + 1))
        assert fitted.best_source_ == table["source"].iloc[0]
        assert fitted.best_layer_ == table["layer"].iloc[0]
        assert set(table["layer"]) <= {-1, -2, -3, -4}
        for column in ("cv_mae_mean", "cv_mae_std", "cv_rmse_mean", "cv_r2_mean", "source_r2"):
            assert column in table
        assert (table["cv_mae_mean"].diff().dropna() >= 0).all()
        assert table["cv_mae_mean"].iloc[0] == pytest.approx(-fitted.best_score_)
        assert len(fitted.cv_results_["params"]) == n_candidates

    def test_scores_equal_a_naive_pipeline_search(self, fitted, qm9_pool, polymers):
        """Cached features give exactly the CV error of the naive raw-input pipeline."""
        X, y = polymers
        row = fitted.transfer_table_.iloc[0]
        refit = fitted.best_estimator_
        # The refit pipeline's steps after the frozen net (constant columns dropped, head).
        naive = Pipeline(
            [
                ("frozen", FrozenNetFeaturizer(qm9_pool[row["source"]], row["layer"])),
                *[(name, clone(step)) for name, step in refit.steps[1:]],
            ]
        )
        scores = cross_val_score(naive, X, y, cv=KFold(5), scoring="neg_mean_absolute_error")
        assert -scores.mean() == pytest.approx(row["cv_mae_mean"], rel=1e-6)

    def test_cv_results_equal_grid_search_cv(self, fitted, polymers):
        """The search's own CV loop reports what GridSearchCV reports on the same candidates."""
        from sklearn.model_selection import GridSearchCV

        _, y = polymers
        candidates = list(fitted.cv_results_["param_candidate"])
        metrics = {"mae": "neg_mean_absolute_error", "rmse": "neg_root_mean_squared_error"}
        metrics["r2"] = "r2"
        reference = GridSearchCV(
            _RegressorHead(), {"candidate": candidates}, cv=5, scoring=metrics, refit="mae"
        ).fit(np.arange(len(y)).reshape(-1, 1), y)
        ours = fitted.cv_results_
        assert list(ours) == list(reference.cv_results_)
        for key, value in reference.cv_results_.items():
            if key.startswith(("split", "mean_test", "std_test", "rank_test")):
                np.testing.assert_allclose(ours[key], value, rtol=1e-12, err_msg=key)
        assert [p["candidate"] for p in ours["params"]] == candidates

    def test_process_backend_gives_the_thread_results(self, fitted, polymers):
        """Workers of a process backend return results for copies of the candidates."""
        from joblib import parallel_config

        X, y = polymers
        with parallel_config(backend="loky"):
            other = clone(fitted).set_params(n_jobs=2).fit(X, y)
        np.testing.assert_array_equal(
            other.cv_results_["mean_test_mae"], fitted.cv_results_["mean_test_mae"]
        )
        assert not hasattr(other, "_cv_memo") and not hasattr(other, "_splits")

    def test_each_candidate_is_fit_once_per_fold(self, qm9_pool, polymers, monkeypatch):
        """The no-transfer candidates that choose the appended descriptor are not searched
        again, and the stacked ensemble reuses the search's out-of-fold predictions."""
        X, y = polymers
        fits = []
        original = _RegressorHead.fit
        monkeypatch.setattr(
            _RegressorHead, "fit", lambda self, X, y: fits.append(1) or original(self, X, y)
        )
        model = ShotgunTransferRegressor(qm9_pool, random_state=0).fit(X, y)
        assert model.ensemble_weights_.shape == (5,)
        assert len(fits) == 5 * len(model.cv_results_["params"])

    def test_descriptors_once_per_featurizer_features_once_per_candidate(
        self, qm9_pool, polymers, monkeypatch
    ):
        X, y = polymers
        calls = {"descriptor": 0, "transform": 0}
        real_descriptor, real_transform = SourceModel.descriptor_matrix, SourceModel.transform

        def counting_descriptor(self, X):
            calls["descriptor"] += 1
            return real_descriptor(self, X)

        def counting_transform(self, *args, **kwargs):
            calls["transform"] += 1
            return real_transform(self, *args, **kwargs)

        monkeypatch.setattr(SourceModel, "descriptor_matrix", counting_descriptor)
        monkeypatch.setattr(SourceModel, "transform", counting_transform)
        model = ShotgunTransferRegressor(qm9_pool, layers="each", cv=5, random_state=0)
        model.fit(X, y)
        assert calls["descriptor"] == 1
        # One forward pass per source serves the candidates of all its layers.
        # A forest and a ridge model on each of the 3 descriptors (the no-transfer ones) and
        # on the library's predictions, alone and beside each descriptor.
        assert model.n_candidates_ == sum(m.n_hidden for m in qm9_pool) + 6 + 8
        assert calls["transform"] == len(qm9_pool)

    def test_sources_reuse_the_targets_descriptor_matrix(self, qm9_pool, polymers, monkeypatch):
        """A source whose featurizer is one of the target's descriptors (same settings)
        reads the matrix computed for the no-transfer candidates instead of its own."""
        from sklearn_shotgun import FingerprintFeaturizer as Fingerprints

        X, y = polymers
        calls = []
        real = SourceModel.descriptor_matrix
        monkeypatch.setattr(
            SourceModel, "descriptor_matrix", lambda self, X: calls.append(1) or real(self, X)
        )
        same = ShotgunTransferRegressor(qm9_pool, descriptor=Fingerprints(counts=True, n_bits=1024))
        same.fit(X, y)
        assert calls == []  # the target's count fingerprints of 1024 bits are the sources'
        ShotgunTransferRegressor(qm9_pool, descriptor=Fingerprints(n_bits=1024)).fit(X, y)
        assert calls == [1]  # binary bits: a different featurizer

    def test_predict_and_pickle(self, fitted, polymers):
        X, y = polymers
        pred = fitted.predict(X)
        assert pred.shape == (58,)
        assert np.corrcoef(pred, y)[0, 1] > 0.8  # in-sample forest fit
        restored = pickle.loads(pickle.dumps(fitted))
        np.testing.assert_array_equal(restored.predict(X), pred)
        assert isinstance(fitted.best_estimator_, Pipeline)

    def test_deterministic(self, fitted, polymers):
        X, y = polymers
        again = clone(fitted).fit(X, y)
        assert again.best_source_ == fitted.best_source_
        np.testing.assert_array_equal(again.predict(X), fitted.predict(X))

    def test_groups_reach_the_splitter(self, qm9_pool, polymers):
        X, y = polymers
        groups = np.arange(58) % 6
        seen = []

        class RecordingGroupKFold(GroupKFold):
            def split(self, X, y=None, groups=None):
                seen.append(None if groups is None else np.asarray(groups).copy())
                return super().split(X, y, groups)

        model = ShotgunTransferRegressor(qm9_pool, cv=RecordingGroupKFold(3), random_state=0)
        model.fit(X, y, groups=groups)
        assert seen and all(g is not None and np.array_equal(g, groups) for g in seen)


class TestSearchVariants:
    def test_screen_keeps_top_k(self, qm9_pool, polymers):
        X, y = polymers
        model = ShotgunTransferRegressor(
            qm9_pool,
            layers="each",
            search="screen",
            top_k=3,
            no_transfer=False,
            cv=5,
            random_state=0,
        ).fit(X, y)
        table = model.transfer_table_
        assert len(table) == model.n_candidates_
        searched = table.dropna(subset=["cv_mae_mean"])
        assert len(searched) == 3
        # The searched ones are the three best by the screen.
        assert set(searched["screen_score"]) == set(
            table["screen_score"].sort_values(ascending=False).iloc[:3]
        )
        assert model.best_source_ in set(searched["source"])

    def test_screen_ensemble_larger_than_top_k(self, qm9_pool, polymers):
        X, y = polymers
        model = ShotgunTransferRegressor(
            qm9_pool,
            search="screen",
            top_k=2,
            ensemble=4,
            no_transfer=False,
            cv=5,
            random_state=0,
        ).fit(X, y)
        assert len(model.estimators_) == 2

    def test_screen_with_groups_differs_from_plain_screen(self, qm9_pool, polymers):
        X, y = polymers
        groups = np.arange(len(y)) % 4
        params = dict(layers="each", search="screen", top_k=3, no_transfer=False, random_state=0)
        grouped = ShotgunTransferRegressor(qm9_pool, cv=GroupKFold(4), **params)
        plain = ShotgunTransferRegressor(qm9_pool, cv=5, **params)
        a = grouped.fit(X, y, groups=groups).transfer_table_.set_index(["source", "layer"])
        b = plain.fit(X, y).transfer_table_.set_index(["source", "layer"])
        assert not np.allclose(a["screen_score"], b.loc[a.index, "screen_score"])

    def test_missing_layers_warn(self, qm9_pool, polymers):
        X, y = polymers
        depths = [m.n_hidden for m in qm9_pool]
        deepest = max(depths) - 1
        assert min(depths) <= deepest  # some sources lack that layer
        with pytest.warns(UserWarning, match="no such hidden layer"):
            model = ShotgunTransferRegressor(
                qm9_pool, layers=[deepest], search="grid", no_transfer=False, cv=5
            ).fit(X, y)
        assert len(model.transfer_table_) == sum(d > deepest for d in depths)

    def test_halving(self, qm9_pool, polymers):
        X, y = polymers
        model = ShotgunTransferRegressor(
            qm9_pool, layers="each", search="halving", no_transfer=False, cv=3, random_state=0
        ).fit(X, y)
        assert model.best_source_ in qm9_pool.ids
        assert (
            model.transfer_table_["n_resources"].iloc[0]
            == model.transfer_table_["n_resources"].max()
        )

    def test_ensemble_averages_the_k_best(self, qm9_pool, polymers):
        X, y = polymers
        model = ShotgunTransferRegressor(
            qm9_pool,
            layers="last",
            search="grid",
            no_transfer=False,
            features="frozen",
            ensemble=3,
            ensemble_weights="uniform",
            cv=5,
            random_state=0,
        ).fit(X, y)
        assert len(model.estimators_) == 3
        sources = [est.named_steps["frozen"].source_.id for est in model.estimators_]
        assert sources == list(model.transfer_table_["source"].iloc[:3])
        expected = np.mean([est.predict(X) for est in model.estimators_], axis=0)
        np.testing.assert_allclose(model.predict(X), expected)

    def test_frozen_plus_source_descriptor(self, qm9_pool, polymers):
        X, y = polymers
        model = ShotgunTransferRegressor(
            qm9_pool,
            layers="last",
            features="frozen+descriptor",
            descriptor="source",
            no_transfer=False,
            cv=5,
            random_state=0,
        ).fit(X, y)
        source = qm9_pool[model.best_source_]
        pipe = model.best_estimator_
        frozen = pipe.named_steps["frozen"].transform(X)
        assert frozen.shape[1] == source.hidden_widths[-1] + len(source.columns)
        # The head sees the non-constant columns of those, as in the search.
        assert pipe[:-1].transform(X).shape[1] == model.transfer_table_["n_features"].iloc[0]
        assert model.predict(X).shape == (58,)

    def test_user_head(self, qm9_pool, polymers):
        X, y = polymers
        model = ShotgunTransferRegressor(qm9_pool, head=Ridge(alpha=1.0), cv=5).fit(X, y)
        table = model.transfer_table_.iloc[: len(model.estimators_)]
        for (source, head), member in zip(
            table[["source", "head"]].values, model.estimators_, strict=True
        ):
            # Every candidate has the user's head, but for the ridge no-transfer fallback.
            expected = LinearHeadRegressor if head == "linear" else Ridge
            assert isinstance(member.named_steps["head"], expected)
            assert head == "Ridge" or (
                source in (NO_TRANSFER, LIBRARY_PREDICTIONS) and head == "linear"
            )

    def test_finetune(self, qm9_pool, polymers):
        X, y = polymers
        before = {k: v.copy() for k, v in qm9_pool[0].state_dict.items()}
        model = ShotgunTransferRegressor(
            qm9_pool, strategy="finetune", ensemble=1, cv=5, random_state=0
        ).fit(X, y)
        assert isinstance(model.best_estimator_, FineTunedRegressor)
        assert model.best_estimator_.n_epochs_ >= 1
        pred = model.predict(X)
        assert np.isfinite(pred).all() and pred.std() > 0
        for k, v in before.items():  # fine-tuning trains a copy
            np.testing.assert_array_equal(qm9_pool[0].state_dict[k], v)


def test_classifier(qm9_pool, polymers):
    X, y = polymers
    labels = np.where(y > np.median(y), "high", "low")
    clf = ShotgunTransferClassifier(
        qm9_pool, layers="last", search="grid", no_transfer=False, cv=3, random_state=0
    ).fit(X, labels)
    assert list(clf.classes_) == ["high", "low"]
    proba = clf.predict_proba(X)
    assert proba.shape == (58, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert "cv_accuracy_mean" in clf.transfer_table_
    assert set(clf.predict(X)) <= {"high", "low"}
    screened = ShotgunTransferClassifier(qm9_pool, search="screen", top_k=2, cv=3).fit(X, labels)
    # The two best of the screen, and a forest and a logistic model on each of the three
    # no-transfer descriptors and on the library's predictions (alone and beside each).
    assert screened.transfer_table_["cv_accuracy_mean"].notna().sum() == 2 + 6 + 8


class TestBadInput:
    def test_empty_library(self, polymers):
        X, y = polymers
        with pytest.raises(ValueError, match="empty"):
            ShotgunTransferRegressor(ModelLibrary()).fit(X, y)

    def test_no_candidate_accepts_the_inputs(self, qm9_pool):
        with pytest.raises(ValueError, match="No source model in the library accepts"):
            ShotgunTransferRegressor(qm9_pool).fit(["C1CC", "CC", "CCC"] * 4, np.arange(12.0))

    def test_too_few_rows(self, qm9_pool, polymers):
        X, y = polymers
        with pytest.raises(ValueError, match="n_samples=7 is too few for 5-fold"):
            ShotgunTransferRegressor(qm9_pool, cv=5).fit(X[:7], y[:7])

    def test_predict_checks_the_input_container(self, fitted):
        with pytest.raises(ValueError, match="single string"):
            fitted.predict("CCO")

    def test_nan_target(self, qm9_pool, polymers):
        X, y = polymers
        y = y.copy()
        y[4] = np.nan
        with pytest.raises(ValueError, match=r"rows \[4\]"):
            ShotgunTransferRegressor(qm9_pool).fit(X, y)

    @pytest.mark.parametrize(
        "params, match",
        [
            ({"search": "random"}, "search"),
            ({"strategy": "scratch"}, "strategy"),
            ({"features": "descriptor"}, "features"),
            ({"ensemble": 0}, "ensemble"),
        ],
    )
    def test_invalid_parameters(self, qm9_pool, polymers, params, match):
        X, y = polymers
        with pytest.raises(ValueError, match=match):
            ShotgunTransferRegressor(qm9_pool, **params).fit(X, y)


@pytest.fixture(scope="module")
def default_fit(qm9_pool, polymers):
    """The package defaults on the QM9 pool and 58 polymers."""
    X, y = polymers
    return ShotgunTransferRegressor(qm9_pool, random_state=0).fit(X, y)


class TestOptions:
    """No-transfer fallback, stacking, the target's descriptor and mixed libraries."""

    def test_defaults_search_layers_and_no_transfer(self, default_fit, qm9_pool):
        table = default_fit.transfer_table_
        fallback = table[table["source"] == NO_TRANSFER]
        # Polymer SMILES: a forest and a ridge model on each of count fingerprints, RDKit
        # descriptors and compositions.
        descriptors = ["composition", "morgan_counts", "rdkit2d"]
        for head in ("forest", "linear"):
            assert sorted(fallback.loc[fallback["head"] == head, "descriptor"]) == descriptors
        assert len(fallback) == 6
        assert fallback["cv_mae_mean"].notna().all()  # always searched, never screened out
        transfer = table[~table["source"].isin([NO_TRANSFER, LIBRARY_PREDICTIONS])]
        assert set(transfer["layer"]) == {-k for m in qm9_pool for k in range(1, m.n_hidden + 1)}
        assert (transfer["head"].dropna() == "forest").all()
        # The library's predictions (one source here), alone and beside each descriptor,
        # with a forest and a ridge model.
        predictions = table[table["source"] == LIBRARY_PREDICTIONS]
        assert len(predictions) == 8 and predictions["cv_mae_mean"].notna().all()
        assert default_fit.n_candidates_ == sum(m.n_hidden for m in qm9_pool) + 6 + 8
        searched = table["cv_mae_mean"].notna()
        assert searched.sum() == min(10, default_fit.n_candidates_ - 6 - 8) + 6 + 8

    def test_linear_fallback_scores_are_ridge_on_the_descriptor(self, default_fit, polymers):
        X, y = polymers
        table = default_fit.transfer_table_
        row = table.query("source == @NO_TRANSFER and head == 'linear'").iloc[0]
        featurizer = default_fit.target_featurizers_[row["descriptor"]]
        D = featurizer.transform(X)
        D = np.asarray(D.toarray() if hasattr(D, "toarray") else D, dtype=np.float32)
        D = D[:, np.ptp(D, axis=0) > 0]
        splits = list(KFold(5).split(X))
        expected = -cross_val_score(
            LinearHeadRegressor(), D, y, cv=splits, scoring="neg_mean_absolute_error"
        ).mean()
        assert row["cv_mae_mean"] == pytest.approx(expected, rel=1e-9)

    def test_no_transfer_selection_is_a_plain_forest(self, qm9_pool, polymers):
        X, y = polymers
        model = ShotgunTransferRegressor(qm9_pool, ensemble=1, random_state=0, cv=5).fit(X, y)
        table = model.transfer_table_
        best = table.iloc[0]
        assert model.best_source_ == best["source"]
        if model.best_source_ == NO_TRANSFER:
            assert model.best_layer_ is None
            pipe = model.best_estimator_
            assert set(pipe.named_steps) <= {"descriptor", "columns", "head"}
            D = pipe[:-1].transform(X)
            assert D.shape[1] == best["n_features"]
            np.testing.assert_allclose(model.predict(X), pipe[-1].predict(D))
        # Whatever was chosen, its inner score is the best CV MAE of the table.
        assert best["cv_mae_mean"] == pytest.approx(table["cv_mae_mean"].min())

    def test_no_fallback(self, qm9_pool, polymers):
        X, y = polymers
        model = ShotgunTransferRegressor(qm9_pool, no_transfer=False, random_state=0).fit(X, y)
        assert NO_TRANSFER not in set(model.transfer_table_["source"])
        assert len(model.estimators_) == 5 and model.ensemble_weights_.sum() == pytest.approx(1)
        assert model.best_source_ in qm9_pool.ids

    def test_stack_adds_the_best_no_transfer_model(self, qm9_pool, polymers):
        X, y = polymers
        # The no-transfer models see a 16-bit fingerprint only, so that the two best
        # candidates are transfer ones: the better no-transfer model is a third member.
        weak = FingerprintFeaturizer(n_bits=16)
        kwargs = dict(features="frozen", descriptor=weak, ensemble=2, random_state=0)
        model = ShotgunTransferRegressor(qm9_pool, no_transfer="stack", **kwargs).fit(X, y)
        table = model.transfer_table_
        searched = table[table["cv_mae_mean"].notna()]
        assert (searched["source"].iloc[:2] != NO_TRANSFER).all()
        assert len(model.estimators_) == 3
        added = model.estimators_[2]
        assert "frozen" not in added.named_steps  # a plain model on the descriptor
        best = searched[searched["source"] == NO_TRANSFER].iloc[0]
        heads = {"forest": "SmallForestRegressor", "linear": "LinearHeadRegressor"}
        assert type(added.named_steps["head"]).__name__ == heads[best["head"]]
        # The 16 bits less those constant over these rows (dropped before the head).
        assert added[:-1].transform(X).shape[1] == best["n_features"] <= 16
        weights = model.ensemble_weights_
        assert weights.shape == (len(model.estimators_),) and weights.sum() == pytest.approx(1)
        assert (weights >= 0).all()
        members = np.column_stack([e.predict(X) for e in model.estimators_])
        np.testing.assert_allclose(model.predict(X), members @ weights)
        # Without "stack", the same search keeps the two transfer members only.
        plain = ShotgunTransferRegressor(qm9_pool, **kwargs).fit(X, y)
        assert len(plain.estimators_) == 2
        pd.testing.assert_frame_equal(plain.transfer_table_, table)

    @pytest.mark.parametrize("n_bits", [16, 256])
    def test_prefer_keeps_the_plain_model_unless_clearly_beaten(self, qm9_pool, polymers, n_bits):
        X, y = polymers
        # With a 16-bit fingerprint as the target's descriptor a transfer candidate wins by a
        # wide margin; with 256 bits one still ranks first, by less than a standard error.
        descriptor = FingerprintFeaturizer(n_bits=n_bits)
        kwargs = dict(ensemble=2, features="frozen", descriptor=descriptor, random_state=0)
        model = ShotgunTransferRegressor(qm9_pool, no_transfer="prefer", **kwargs).fit(X, y)
        res = model.cv_results_
        cands = list(res["param_candidate"])
        scores = np.column_stack([res[f"split{k}_test_mae"] for k in range(5)])
        top = int(np.argmax(res["mean_test_mae"]))
        plain = [i for i, c in enumerate(cands) if c.model_id is None and c.predictions is None]
        best_plain = max(plain, key=lambda i: res["mean_test_mae"][i])
        diff = scores[top] - scores[best_plain]
        clearly = diff.mean() > diff.std(ddof=1) / np.sqrt(5)
        assert clearly == (n_bits == 16)  # both branches are exercised
        default = ShotgunTransferRegressor(qm9_pool, **kwargs).fit(X, y)
        pd.testing.assert_frame_equal(model.transfer_table_, default.transfer_table_)
        if clearly:  # as with no_transfer=True
            assert len(model.estimators_) == 2 and model.best_source_ == default.best_source_
            np.testing.assert_allclose(model.predict(X), default.predict(X))
        else:  # the best plain model alone
            assert top != best_plain and default.best_source_ != NO_TRANSFER
            assert model.best_source_ == NO_TRANSFER and len(model.estimators_) == 1
            # Its own inner score, not that of the transfer candidate it was preferred to.
            assert model.best_score_ == pytest.approx(res["mean_test_mae"][best_plain])
            assert "frozen" not in model.best_estimator_.named_steps
            assert (
                model.best_estimator_[:-1].transform(X).shape[1]
                == (cands[best_plain].features.shape[1])
            )

    def test_prediction_and_descriptor_features(self, qm9_pool, polymers):
        X, y = polymers
        kwargs = dict(layers="last", search="grid", no_transfer=False, random_state=0)
        plain = ShotgunTransferRegressor(qm9_pool, features="frozen", **kwargs).fit(X, y)
        stacked = ShotgunTransferRegressor(qm9_pool, features="frozen+prediction", **kwargs)
        stacked.fit(X, y)
        both = ShotgunTransferRegressor(
            qm9_pool, features="frozen+prediction+descriptor", **kwargs
        ).fit(X, y)
        width = qm9_pool[both.best_source_].hidden_widths[-1]
        # "auto" appends the target descriptor whose no-transfer forest did best.
        assert both.appended_descriptor_ in {"morgan_counts", "rdkit2d", "composition"}
        appended = both.target_featurizers_[both.appended_descriptor_]
        n_appended = len(appended.get_feature_names_out())
        for model, extra in ((plain, 0), (stacked, 1), (both, 1 + n_appended)):
            pipe = model.best_estimator_
            first = pipe.steps[0][1]
            assert first.transform(X).shape[1] == (
                qm9_pool[model.best_source_].hidden_widths[-1] + extra
            )
            # Refit pipelines on raw inputs reproduce the columns the search used.
            assert pipe[:-1].transform(X).shape[1] == model.transfer_table_["n_features"].iloc[0]
        assert plain.appended_descriptor_ is None
        # The stacked column is the source's own prediction of Cv.
        source = qm9_pool[stacked.best_source_]
        H = stacked.best_estimator_.named_steps["frozen"].transform(X)
        np.testing.assert_allclose(H[:, -1], source.predict(X), rtol=1e-5)
        names = both.best_estimator_.named_steps["features"].get_feature_names_out()
        assert len(names) == width + 1 + n_appended
        assert names[-1] == f"descriptor__{appended.get_feature_names_out()[-1]}"
        # An explicit featurizer is appended as is.
        rdkit = ShotgunTransferRegressor(
            qm9_pool, features="frozen+descriptor", descriptor=DescriptorFeaturizer(), **kwargs
        ).fit(X, y)
        assert rdkit.appended_descriptor_ == "descriptor"
        assert rdkit.best_estimator_[0].transform(X).shape[1] == (
            qm9_pool[rdkit.best_source_].hidden_widths[-1] + 217
        )

    def test_composition_source_trained_on_formulas_reads_smiles(self, qm9_pool, polymers):
        from sklearn_shotgun import CompositionFeaturizer, ShotgunPretrainer

        X, y = polymers
        formulas = [f"C{a}H{b}O{c}" for a in range(1, 6) for b in range(2, 8) for c in (1, 2)]
        rng = np.random.default_rng(0)
        inorganic = ShotgunPretrainer(
            CompositionFeaturizer(stats=("mean", "sum")),
            n_models=2,
            max_epochs=3,
            random_state=0,
            verbose=0,
            property="mass",
        ).fit(formulas, rng.normal(size=len(formulas)))
        mixed = ModelLibrary([*qm9_pool, *inorganic.library_])
        model = ShotgunTransferRegressor(mixed, layers="last", random_state=0).fit(X, y)
        assert set(inorganic.library_.ids) <= set(model.transfer_table_["source"])
        assert model.rejected_featurizers_ == {}
        # The library itself is unchanged: its sources still read formulas.
        assert inorganic.library_[0].featurizer["params"]["input"] == "formula"

    def test_sources_left_out_are_named(self, qm9_pool):
        from sklearn_shotgun import CompositionFeaturizer, ShotgunPretrainer

        smiles = [f"C{'C' * a}{'O' * b}" for a in range(12) for b in range(5)]
        rng = np.random.default_rng(0)
        molecular = ShotgunPretrainer(
            CompositionFeaturizer(input="smiles", stats=("mean", "sum")),
            n_models=1,
            max_epochs=3,
            random_state=0,
            verbose=0,
        ).fit(smiles, rng.normal(size=len(smiles)))
        mixed = ModelLibrary([*qm9_pool, *molecular.library_])
        formulas = ["Fe2O3", "NaCl", "MgO", "Al2O3", "TiO2", "SiO2", "ZnO", "CuO", "CaO", "KCl"]
        model = ShotgunTransferRegressor(mixed, cv=2, layers="last", random_state=0)
        with pytest.warns(UserWarning, match=r"5 source model\(s\) were left out"):
            model.fit(formulas, np.arange(10, dtype=float))
        # The composition source trained on SMILES reads the formulas.
        assert molecular.library_.ids[0] in set(model.transfer_table_["source"])
        assert next(iter(model.rejected_featurizers_.values())).startswith("morgan")
        with pytest.raises(ValueError, match="No source model in the library accepts"):
            ShotgunTransferRegressor(qm9_pool, cv=2).fit(formulas, np.arange(10.0))

    @pytest.mark.parametrize(
        ("params", "match"),
        [
            ({"features": "descriptor"}, "features must be 'frozen'"),
            ({"features": "frozen+frozen"}, "features must be 'frozen'"),
            ({"features": "frozen+shap"}, "features must be 'frozen'"),
            ({"descriptor": "rdkit"}, "descriptor must be 'auto', 'source' or a featurizer"),
            ({"no_transfer": "yes"}, "no_transfer must be True, False, .stack. or .prefer."),
            ({"no_transfer": "stack", "strategy": "finetune"}, "no_transfer='stack' may keep"),
            ({"no_transfer": "prefer", "strategy": "finetune"}, "no_transfer='prefer' may keep"),
            ({"head": "ridge"}, "head must be None, 'forest', 'paper', 'linear'"),
            ({"head": ("forest", None)}, "distinct"),
            ({"head": ()}, "head must be"),
            ({"head": ("linear", 3)}, "head must be"),
        ],
    )
    def test_bad_params(self, qm9_pool, polymers, params, match):
        X, y = polymers
        with pytest.raises(ValueError, match=match):
            ShotgunTransferRegressor(qm9_pool, **params).fit(X, y)


@pytest.fixture(scope="module")
def two_heads(qm9_pool, polymers):
    X, y = polymers
    return ShotgunTransferRegressor(
        qm9_pool, head=("forest", "linear"), top_k=4, cv=5, random_state=0
    ).fit(X, y)


class TestHeads:
    """``head`` as a list: every searched candidate with each head."""

    def test_each_searched_candidate_with_each_head(self, two_heads):
        table = two_heads.transfer_table_
        searched = table[table["head"].notna()]
        by_head = searched.groupby("head")["source"].apply(lambda s: sorted(map(str, s)))
        assert set(by_head.index) == {"forest", "linear"}
        # The same 4 screened transfer candidates, 3 no-transfer descriptors and 4 library
        # prediction candidates (alone and beside each descriptor) per head.
        assert by_head["forest"] == by_head["linear"]
        assert len(searched) == 2 * (4 + 3 + 4)

    def test_the_forest_head_candidates_score_as_with_one_head(self, two_heads, qm9_pool, polymers):
        X, y = polymers
        one = ShotgunTransferRegressor(qm9_pool, top_k=4, cv=5, random_state=0).fit(X, y)
        key = ["source", "layer", "descriptor"]

        def forest_scores(model):
            t = model.transfer_table_
            t = t[t["head"] == "forest"].astype({"layer": str})
            return t.set_index(key)["cv_mae_mean"].sort_index()

        pd.testing.assert_series_equal(forest_scores(two_heads), forest_scores(one))

    def test_linear_scores_are_those_of_the_linear_head(self, two_heads, polymers):
        X, y = polymers
        row = two_heads.transfer_table_.query("head == 'linear'").iloc[0]
        name = (
            f"{NO_TRANSFER}[{row['descriptor']}]"
            if row["source"] == NO_TRANSFER
            else f"{row['source']}@{row['layer']}"
        )
        cand = next(
            c for c in two_heads.cv_results_["param_candidate"] if repr(c) == f"{name}/linear"
        )
        splits = list(KFold(5).split(X))
        expected = -cross_val_score(
            LinearHeadRegressor(), cand.features, y, cv=splits, scoring="neg_mean_absolute_error"
        ).mean()
        assert row["cv_mae_mean"] == pytest.approx(expected, rel=1e-12)

    def test_refit_members_carry_their_head(self, two_heads, polymers):
        X, _ = polymers
        table = two_heads.transfer_table_
        heads = table["head"].iloc[: len(two_heads.estimators_)].tolist()
        classes = [type(e.named_steps["head"]).__name__ for e in two_heads.estimators_]
        expected = {"forest": "SmallForestRegressor", "linear": "LinearHeadRegressor"}
        assert classes == [expected[h] for h in heads]
        assert np.isfinite(two_heads.predict(X)).all()


class TestLinearHead:
    def test_ridge_on_standardised_features_with_the_loo_penalty(self):
        rng = np.random.default_rng(0)
        X = rng.normal(size=(40, 6)) * [1, 10, 100, 1, 1, 0.1]
        y = X @ [1.0, 0.1, 0.0, 0.0, 2.0, 5.0] + rng.normal(scale=0.3, size=40)
        head = LinearHeadRegressor().fit(X, y)
        Z = StandardScaler().fit_transform(X)
        best = min(
            _ALPHAS * 40,
            key=lambda a: np.abs(
                y - cross_val_predict(Ridge(alpha=a), Z, y, cv=LeaveOneOut())
            ).mean(),
        )
        assert head.alpha_ == pytest.approx(best)
        np.testing.assert_allclose(
            head.predict(X), Ridge(alpha=best).fit(Z, y).predict(Z), rtol=1e-8
        )

    def test_predictions_are_clipped_to_the_widened_target_range(self):
        rng = np.random.default_rng(0)
        X = rng.normal(size=(40, 3))
        y = X @ [2.0, -1.0, 0.5] + rng.normal(scale=0.1, size=40)
        far = np.array([[1e4, 0.0, 0.0], [-1e4, 0.0, 0.0]])  # a row no training row resembles
        low, high = y.min() - 0.25 * np.ptp(y), y.max() + 0.25 * np.ptp(y)
        head = LinearHeadRegressor().fit(X, y)
        assert head.target_range_ == pytest.approx((low, high))
        np.testing.assert_allclose(head.predict(far), [high, low])
        # Inside the range the clip changes nothing; clip=None extrapolates freely.
        free = LinearHeadRegressor(clip=None).fit(X, y)
        np.testing.assert_allclose(head.predict(X), free.predict(X))
        assert free.predict(far)[0] > 1e3 * high
        with pytest.raises(ValueError, match="clip must be"):
            LinearHeadRegressor(clip=-1).fit(X, y)

    def test_classifier_head(self):
        rng = np.random.default_rng(0)
        X = rng.normal(size=(60, 3))
        labels = np.where(X[:, 0] + 0.1 * rng.normal(size=60) > 0, "a", "b")
        head = LinearHeadClassifier().fit(X, labels)
        assert (head.predict(X) == labels).mean() > 0.9
        np.testing.assert_allclose(head.predict_proba(X).sum(axis=1), 1.0)


class TestStackedEnsemble:
    def test_weights_fit_the_out_of_fold_predictions(self, qm9_pool, polymers):
        X, y = polymers
        model = ShotgunTransferRegressor(
            qm9_pool, ensemble=4, ensemble_weights="stacked", random_state=0
        ).fit(X, y)
        w = model.ensemble_weights_
        assert w.shape == (4,) and (w >= 0).all() and w.sum() == pytest.approx(1.0, abs=1e-6)
        preds = np.stack([est.predict(X) for est in model.estimators_])
        np.testing.assert_allclose(model.predict(X), w @ preds)
        # The weights minimise the squared error of the combined out-of-fold predictions
        # among convex combinations: no single candidate (a vertex) does better.
        index = np.arange(len(y)).reshape(-1, 1)
        names = model.transfer_table_.iloc[:4]
        assert len(names) == 4
        cv = KFold(5)
        searched = {repr(c): c for c in model.cv_results_["param_candidate"]}
        order = [
            (
                f"{r.source}[{r.descriptor}]"
                if r.source in (NO_TRANSFER, LIBRARY_PREDICTIONS)
                else f"{r.source}@{r.layer}"
            )
            + ("" if r.head == "forest" else f"/{r.head}")
            for r in names.itertuples()
        ]
        oof = np.column_stack(
            [cross_val_predict(_RegressorHead(searched[key]), index, y, cv=cv) for key in order]
        )
        combined = np.mean((oof @ w - y) ** 2)
        assert all(combined <= np.mean((oof[:, j] - y) ** 2) + 1e-6 for j in range(4))

    def test_a_splitter_that_does_not_partition_gives_uniform_weights(self, qm9_pool, polymers):
        from sklearn.model_selection import ShuffleSplit

        X, y = polymers
        model = ShotgunTransferRegressor(
            qm9_pool, cv=ShuffleSplit(4, test_size=0.25, random_state=0), random_state=0
        )
        with pytest.warns(UserWarning, match="weighted uniformly"):
            model.fit(X, y)
        np.testing.assert_array_equal(model.ensemble_weights_, np.full(5, 0.2))
        assert model.predict(X).shape == (58,)

    def test_uniform_by_default_and_checked(self, qm9_pool, polymers):
        X, y = polymers
        model = ShotgunTransferRegressor(
            qm9_pool,
            layers="last",
            search="grid",
            ensemble=2,
            ensemble_weights="uniform",
            random_state=0,
        ).fit(X, y)
        np.testing.assert_array_equal(model.ensemble_weights_, [0.5, 0.5])
        with pytest.raises(ValueError, match="ensemble_weights must be"):
            ShotgunTransferRegressor(qm9_pool, ensemble_weights="nnls").fit(X, y)
        labels = np.where(y > np.median(y), "high", "low")
        with pytest.raises(ValueError, match="is for regression"):
            ShotgunTransferClassifier(qm9_pool, ensemble_weights="stacked").fit(X, labels)


def test_ranks_put_nan_scores_last_as_grid_search_cv_does():
    from sklearn_shotgun._candidates import _rank

    np.testing.assert_array_equal(_rank(np.array([-1.0, np.nan, -0.5, -1.0])), [2, 4, 1, 2])
    np.testing.assert_array_equal(_rank(np.array([np.nan, np.nan])), [1, 1])


def test_fit_warnings_point_at_the_callers_line(qm9_pool, polymers):
    """The coverage and stacking warnings name the line that called fit, not package code."""
    from sklearn.model_selection import ShuffleSplit

    X, y = polymers
    model = ShotgunTransferRegressor(
        qm9_pool, cv=ShuffleSplit(4, test_size=0.25, random_state=0), random_state=0
    )
    with pytest.warns(UserWarning) as record:
        model.fit(X, y)
    messages = {str(w.message).split(" ")[0]: w.filename for w in record}
    assert {"Some", "ensemble_weights='stacked'"} <= set(messages)
    assert all(filename == __file__ for filename in messages.values()), messages
