"""The candidates' algorithms and their preprocessing, as code.

A candidate is an algorithm and its hyperparameters (preprocessing choices among them). Its
pipeline exists as Python source first (`pipeline_code`): the built-in training script runs
exactly that source, and the candidate definition notebook shows it, so what a user reads,
edits and reruns is what ran. Each algorithm names its family, which decides the
preprocessing: scaled and one-hot encoded inputs for linear models and kNN, ordinal codes for
trees; high-cardinality categories are target encoded; dates become numeric parts. Search
spaces are Optuna distributions; the first candidates are each algorithm's defaults.
"""
from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .problem import CLASSIFICATION, MULTICLASS, REGRESSION

# Rows x features above which kNN does not "fit" (its prediction cost grows with the training set).
KNN_MAX_ROWS = 50_000
KNN_MAX_FEATURES = 100


@dataclass(frozen=True)
class Param:
    """One hyperparameter's range: float/int (log or not) or a choice."""

    kind: str  # "float", "int", "choice"
    low: float = 0.0
    high: float = 0.0
    log: bool = False
    choices: tuple[Any, ...] = ()

    def distribution(self) -> Any:
        from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

        if self.kind == "float":
            return FloatDistribution(self.low, self.high, log=self.log)
        if self.kind == "int":
            return IntDistribution(int(self.low), int(self.high), log=self.log)
        return CategoricalDistribution(list(self.choices))


@dataclass(frozen=True)
class Algorithm:
    name: str  # the candidate's "algorithm": random_forest, xgboost...
    label: str  # how the leaderboard names it
    family: str  # linear, neighbors, trees, boosting: decides the preprocessing
    module: str | None  # a package it needs (None: scikit-learn)
    space: dict[str, Param]
    defaults: dict[str, Any]
    classification_defaults: dict[str, Any] = field(default_factory=dict)

    def available(self) -> bool:
        return self.module is None or importlib.util.find_spec(self.module) is not None

    def default_params(self, problem_type: str) -> dict[str, Any]:
        return {**self.defaults, **(self.classification_defaults if problem_type in CLASSIFICATION else {})}


_IMPUTE = Param("choice", choices=("median", "mean"))
ALGORITHMS: dict[str, Algorithm] = {a.name: a for a in (
    Algorithm("hist_gradient_boosting", "HistGradientBoosting", "boosting", None, {
        "learning_rate": Param("float", 0.01, 0.3, log=True), "max_iter": Param("int", 50, 500, log=True),
        "max_leaf_nodes": Param("int", 8, 128, log=True), "min_samples_leaf": Param("int", 5, 100, log=True),
        "l2_regularization": Param("float", 1e-8, 10.0, log=True),
    }, {"learning_rate": 0.1, "max_iter": 100, "max_leaf_nodes": 31, "min_samples_leaf": 20, "l2_regularization": 1e-8}),
    Algorithm("random_forest", "RandomForest", "trees", None, {
        "n_estimators": Param("int", 50, 500, log=True), "max_features": Param("choice", choices=("sqrt", "log2", 0.5, 1.0)),
        "min_samples_leaf": Param("int", 1, 20, log=True), "impute": _IMPUTE,
    }, {"n_estimators": 100, "max_features": 1.0, "min_samples_leaf": 1, "impute": "median"}, {"max_features": "sqrt"}),
    Algorithm("linear", "Linear", "linear", None, {
        "regularization": Param("float", 1e-4, 1e3, log=True), "impute": _IMPUTE, "scaler": Param("choice", choices=("standard", "robust")),
    }, {"regularization": 1e-3, "impute": "median", "scaler": "standard"}, {"regularization": 1.0}),
    Algorithm("extra_trees", "ExtraTrees", "trees", None, {
        "n_estimators": Param("int", 50, 500, log=True), "max_features": Param("choice", choices=("sqrt", "log2", 0.5, 1.0)),
        "min_samples_leaf": Param("int", 1, 20, log=True), "impute": _IMPUTE,
    }, {"n_estimators": 100, "max_features": 1.0, "min_samples_leaf": 1, "impute": "median"}, {"max_features": "sqrt"}),
    Algorithm("xgboost", "XGBoost", "boosting", "xgboost", {
        "n_estimators": Param("int", 50, 600, log=True), "learning_rate": Param("float", 0.01, 0.3, log=True),
        "max_depth": Param("int", 2, 10), "subsample": Param("float", 0.5, 1.0), "colsample_bytree": Param("float", 0.5, 1.0),
        "min_child_weight": Param("float", 0.01, 10.0, log=True), "reg_lambda": Param("float", 1e-3, 10.0, log=True),
    }, {"n_estimators": 100, "learning_rate": 0.3, "max_depth": 6, "subsample": 1.0, "colsample_bytree": 1.0, "min_child_weight": 1.0,
        "reg_lambda": 1.0}),
    Algorithm("lightgbm", "LightGBM", "boosting", "lightgbm", {
        "n_estimators": Param("int", 50, 600, log=True), "learning_rate": Param("float", 0.01, 0.3, log=True),
        "num_leaves": Param("int", 8, 128, log=True), "subsample": Param("float", 0.5, 1.0), "colsample_bytree": Param("float", 0.5, 1.0),
        "min_child_samples": Param("int", 5, 100, log=True),
    }, {"n_estimators": 100, "learning_rate": 0.1, "num_leaves": 31, "subsample": 1.0, "colsample_bytree": 1.0, "min_child_samples": 20}),
    Algorithm("knn", "KNearestNeighbors", "neighbors", None, {
        "n_neighbors": Param("int", 1, 50, log=True), "weights": Param("choice", choices=("uniform", "distance")), "impute": _IMPUTE,
        "scaler": Param("choice", choices=("standard", "robust")),
    }, {"n_neighbors": 5, "weights": "uniform", "impute": "median", "scaler": "standard"}),
)}
ENSEMBLE = "ensemble"
ENSEMBLE_LABEL = "StackedEnsemble"


def available(rows: int, features: int) -> list[Algorithm]:
    """The algorithms this machine can run on this data, in the order their defaults are tried."""
    out = []
    for algorithm in ALGORITHMS.values():
        if not algorithm.available():
            continue
        if algorithm.name == "knn" and (rows > KNN_MAX_ROWS or features > KNN_MAX_FEATURES):
            continue
        out.append(algorithm)
    return out


def label_of(algorithm: str) -> str:
    return ENSEMBLE_LABEL if algorithm == ENSEMBLE else ALGORITHMS[algorithm].label


# -- code -------------------------------------------------------------------------------------


def _sklearn_has_multiclass_target_encoder() -> bool:
    import sklearn

    major, minor = (int(p) for p in sklearn.__version__.split(".")[:2])
    return (major, minor) >= (1, 4)


def _estimator(algorithm: str, problem_type: str, p: Mapping[str, Any]) -> tuple[str, str]:
    """(import line, constructor source) of the model."""
    clf = problem_type in CLASSIFICATION
    if algorithm == "linear":
        if clf:
            return "from sklearn.linear_model import LogisticRegression", f"LogisticRegression(C={1.0 / p['regularization']!r}, max_iter=2000)"
        return "from sklearn.linear_model import Ridge", f"Ridge(alpha={p['regularization']!r})"
    if algorithm in ("random_forest", "extra_trees"):
        cls = ("RandomForest" if algorithm == "random_forest" else "ExtraTrees") + ("Classifier" if clf else "Regressor")
        return (f"from sklearn.ensemble import {cls}",
                f"{cls}(n_estimators={p['n_estimators']!r}, max_features={p['max_features']!r}, "
                f"min_samples_leaf={p['min_samples_leaf']!r}, n_jobs=1, random_state=0)")
    if algorithm == "hist_gradient_boosting":
        cls = "HistGradientBoosting" + ("Classifier" if clf else "Regressor")
        return (f"from sklearn.ensemble import {cls}",
                f"{cls}(learning_rate={p['learning_rate']!r}, max_iter={p['max_iter']!r}, max_leaf_nodes={p['max_leaf_nodes']!r}, "
                f"min_samples_leaf={p['min_samples_leaf']!r}, l2_regularization={p['l2_regularization']!r}, random_state=0)")
    if algorithm == "xgboost":
        cls = "XGBClassifier" if clf else "XGBRegressor"
        return (f"from xgboost import {cls}",
                f"{cls}(n_estimators={p['n_estimators']!r}, learning_rate={p['learning_rate']!r}, max_depth={p['max_depth']!r}, "
                f"subsample={p['subsample']!r}, colsample_bytree={p['colsample_bytree']!r}, min_child_weight={p['min_child_weight']!r}, "
                f"reg_lambda={p['reg_lambda']!r}, tree_method='hist', n_jobs=1, random_state=0)")
    if algorithm == "lightgbm":
        cls = "LGBMClassifier" if clf else "LGBMRegressor"
        return (f"from lightgbm import {cls}",
                f"{cls}(n_estimators={p['n_estimators']!r}, learning_rate={p['learning_rate']!r}, num_leaves={p['num_leaves']!r}, "
                f"subsample={p['subsample']!r}, subsample_freq=1, colsample_bytree={p['colsample_bytree']!r}, "
                f"min_child_samples={p['min_child_samples']!r}, n_jobs=1, random_state=0, verbose=-1)")
    if algorithm == "knn":
        cls = "KNeighborsClassifier" if clf else "KNeighborsRegressor"
        return f"from sklearn.neighbors import {cls}", f"{cls}(n_neighbors={p['n_neighbors']!r}, weights={p['weights']!r})"
    raise ValueError(f"unknown algorithm {algorithm!r}")


def pipeline_code(algorithm: str, params: Mapping[str, Any], schema: Mapping[str, Sequence[str]], problem_type: str) -> str:
    """Python source that defines `pipeline` (preprocessing -> model), unfitted."""
    family = ALGORITHMS[algorithm].family
    impute = params.get("impute", "median")
    scaled = family in ("linear", "neighbors")
    scaler = "RobustScaler()" if params.get("scaler") == "robust" else "StandardScaler()"
    imports = {
        "from sklearn.compose import ColumnTransformer",
        "from sklearn.pipeline import Pipeline, make_pipeline",
        "from labstudio.automl.features import AsText, DateParts",
    }
    steps: list[str] = []
    if family == "boosting":  # missing values are handled by the model itself
        numeric = "'passthrough'"
    else:
        imports.add("from sklearn.impute import SimpleImputer")
        numeric = f"SimpleImputer(strategy={impute!r})"
        if scaled:
            imports.add("from sklearn.preprocessing import RobustScaler, StandardScaler")
            numeric = f"make_pipeline({numeric}, {scaler})"
    steps.append(f"    ('numeric', {numeric}, NUMERIC),")
    if scaled:
        imports.add("from sklearn.preprocessing import OneHotEncoder")
        steps.append("    ('categorical', make_pipeline(AsText(), OneHotEncoder(handle_unknown='ignore')), CATEGORICAL),")
    else:
        imports.add("from sklearn.preprocessing import OrdinalEncoder")
        steps.append("    ('categorical', make_pipeline(AsText(), OrdinalEncoder(handle_unknown='use_encoded_value', unknown_value=-1)), "
                     "CATEGORICAL),")
    if problem_type == MULTICLASS and not _sklearn_has_multiclass_target_encoder():
        imports.add("from sklearn.preprocessing import OrdinalEncoder")
        high = "OrdinalEncoder(handle_unknown='use_encoded_value', unknown_value=-1)"
    else:
        imports.add("from sklearn.preprocessing import TargetEncoder")
        high = f"TargetEncoder(target_type={'continuous' if problem_type == REGRESSION else 'auto'!r}, random_state=0)"
    if scaled:
        high = f"make_pipeline({high}, StandardScaler())"
        imports.add("from sklearn.preprocessing import RobustScaler, StandardScaler")
    steps.append(f"    ('high_cardinality', make_pipeline(AsText(), {high}), HIGH_CARDINALITY),")
    dates = "make_pipeline(DateParts(), SimpleImputer(strategy='median'))" if family != "boosting" else "DateParts()"
    if family != "boosting":
        imports.add("from sklearn.impute import SimpleImputer")
    if scaled:
        dates = "make_pipeline(DateParts(), SimpleImputer(strategy='median'), StandardScaler())"
    steps.append(f"    ('dates', {dates}, DATES),")
    model_import, model = _estimator(algorithm, problem_type, params)
    imports.add(model_import)
    lines = [
        *sorted(imports),
        "",
        f"NUMERIC = {list(schema.get('numeric', []))!r}",
        f"CATEGORICAL = {list(schema.get('categorical_low', []))!r}",
        f"HIGH_CARDINALITY = {list(schema.get('categorical_high', []))!r}",
        f"DATES = {list(schema.get('datetime', []))!r}",
        "",
        "preprocessing = ColumnTransformer([",
        *steps,
        "], remainder='drop')",
        f"model = {model}",
        "pipeline = Pipeline([('preprocessing', preprocessing), ('model', model)])",
    ]
    return "\n".join(lines) + "\n"


def build(code: str) -> Any:
    """The unfitted pipeline a candidate's code defines."""
    namespace: dict[str, Any] = {}
    exec(compile(code, "<candidate>", "exec"), namespace)  # the candidate's own generated code (pipeline_code), shown in its notebook
    return namespace["pipeline"]


def space(algorithms: Sequence[Algorithm]) -> dict[str, Any]:
    """The Optuna distributions of a candidate of each algorithm: {"algorithm": choice, "<alg>.<param>": ...}."""
    from optuna.distributions import CategoricalDistribution

    out: dict[str, Any] = {"algorithm": CategoricalDistribution([a.name for a in algorithms])}
    for algorithm in algorithms:
        for name, param in algorithm.space.items():
            out[f"{algorithm.name}.{name}"] = param.distribution()
    return out


def _ask(trial: Any, name: str, param: Param) -> Any:
    if param.kind == "float":
        return trial.suggest_float(name, param.low, param.high, log=param.log)
    if param.kind == "int":
        return trial.suggest_int(name, int(param.low), int(param.high), log=param.log)
    return trial.suggest_categorical(name, list(param.choices))


def suggest(trial: Any, algorithms: Sequence[Algorithm]) -> tuple[str, dict[str, Any]]:
    """A candidate asked of an Optuna trial, define-by-run: the algorithm, then its own parameters."""
    algorithm = str(trial.suggest_categorical("algorithm", [a.name for a in algorithms]))
    params = {name: _ask(trial, f"{algorithm}.{name}", param) for name, param in ALGORITHMS[algorithm].space.items()}
    return algorithm, params


def search_params(algorithm: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """A candidate's values as the study's parameters (what `suggest` would have returned)."""
    return {"algorithm": algorithm, **{f"{algorithm}.{k}": v for k, v in params.items() if k in ALGORITHMS[algorithm].space}}


__all__ = ["ALGORITHMS", "ENSEMBLE", "Algorithm", "available", "build", "label_of", "pipeline_code", "search_params", "space", "suggest"]
