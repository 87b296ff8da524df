"""`creditdesk model fit|evaluate|score`: the model life cycle on any CSV with a 0/1 target."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from creditdesk.adapters.model_data import ModelData, ModelDataError, read_model_data
from creditdesk.entrypoints.cli import scoring as scoring_cli
from creditdesk.entrypoints.cli.context import json_flag
from creditdesk.entrypoints.cli.output import EXIT_DATA, EXIT_USAGE, err, fail, out, print_json
from creditdesk.risk import artefact, workflow

model_app = typer.Typer(help="Fit, evaluate and apply scoring models on CSV files.", no_args_is_help=True)

DataOption = Annotated[Path, typer.Option("--data", help="A CSV file, one row per case, a header row.")]
TargetOption = Annotated[str, typer.Option("--target", help="The 0/1 column to predict (1 = default, late, bad).")]
JsonOption = Annotated[bool, typer.Option("--json")]


def _read(path: Path, **kwargs: Any) -> ModelData:
    """The file's data, or every problem as FILE:LINE:COL: CODE on stderr and exit 65."""
    try:
        return read_model_data(path, **kwargs)
    except ModelDataError as error:
        for problem in error.problems:
            sys.stderr.write(str(problem) + "\n")
        err.print(f"{len(error.problems)} problem(s); nothing was written")
        raise typer.Exit(EXIT_DATA) from None


def _load(folder: Path) -> tuple[Any, artefact.ArtefactMetadata]:
    try:
        return artefact.load(folder)
    except artefact.ArtefactError as error:
        fail(str(error), EXIT_DATA)


@model_app.command("fit")
def model_fit(
    ctx: typer.Context,
    data: DataOption,
    target: TargetOption,
    out_dir: Annotated[Path, typer.Option("--out", help="A new folder for the model artefact.")],
    kind: Annotated[str, typer.Option("--kind", help="scorecard, gbm or champion (both, blended).")] = "scorecard",
    exclude: Annotated[list[str] | None, typer.Option("--exclude", help="A column that is not a feature.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Fit a model; write a versioned artefact with its validation report (20 % held out)."""
    if kind not in workflow.MODEL_KINDS:
        fail(f"unknown --kind {kind!r}; expected one of {', '.join(workflow.MODEL_KINDS)}", EXIT_USAGE)
    if out_dir.exists() and any(out_dir.iterdir()):
        fail(f"{out_dir} is not empty; an artefact is never overwritten, choose a new folder", EXIT_USAGE)
    table = _read(data, target=target, exclude=exclude or [])
    assert table.y is not None
    err.print(f"fitting a {kind} on {len(table.X):,} rows and {table.X.shape[1]} features…")
    try:
        meta, report = workflow.fit_artefact(table.X, table.y, kind=kind, target=target, folder=out_dir)
    except ValueError as error:
        fail(f"{data}: {error}", EXIT_DATA)
    summary = {
        "artefact": str(out_dir),
        "kind": meta.kind,
        "rows": meta.training_rows,
        "features": meta.features,
        "ignored_columns": table.ignored,
        "data_sha256": meta.data_sha256,
        "model_sha256": meta.model_sha256,
        "holdout": {k: report[k] for k in ("n", "auc", "gini", "ks", "brier")},
    }
    if json_flag(ctx, as_json):
        print_json(summary)
    else:
        out.print(
            f"{out_dir}: {kind} on {meta.training_rows:,} rows; held-out AUC {report['auc']:.3f}, "
            f"KS {report['ks']:.3f}, Brier {report['brier']:.4f}"
        )
        if table.ignored:
            out.print(f"not numeric, left out: {', '.join(table.ignored)}")


@model_app.command("evaluate")
def model_evaluate(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="A model artefact folder.")],
    data: DataOption,
    target: TargetOption,
    as_json: JsonOption = False,
) -> None:
    """AUC, KS, Gini, Brier, calibration by grade and drift (PSI) of a model on a labelled file."""
    model_meta = _load(folder)[1]
    table = _read(data, target=target, features=model_meta.features)
    assert table.y is not None
    report = workflow.evaluate(folder, table.X, table.y)
    if json_flag(ctx, as_json):
        print_json(report)
        return
    out.print(
        f"n {report['n']:,}  AUC {report['auc']:.4f}  Gini {report['gini']:.4f}  "
        f"KS {report['ks']:.4f}  Brier {report['brier']:.4f}"
    )
    if "psi_score" in report:
        out.print(f"PSI of the score against training: {report['psi_score']:.4f}")
    if report["grades_rejected"]:
        out.print(f"calibration rejected (binomial test, 5 %) in grades {report['grades_rejected']}")


@model_app.command("score")
def model_score(
    folder: Annotated[Path, typer.Argument(help="A model artefact folder.")],
    data: DataOption,
    out_file: Annotated[Path, typer.Option("--out", help="The CSV to write: the input rows plus the scores.")],
    top: Annotated[int, typer.Option("--reasons", min=0, max=10, help="Reason codes per row.")] = 3,
) -> None:
    """Write each input row with its pd, score, grade and top reasons."""
    model, meta = _load(folder)
    table = _read(data, target=None, features=meta.features)
    scored = workflow.score_table(model, table.X, top=top)
    result = table.frame.merge(
        scored.set_axis(table.frame.index), how="left", left_index=True, right_index=True, suffixes=("", "_scored")
    )
    partial = out_file.with_name(out_file.name + ".partial")
    result.to_csv(partial, index=False)
    partial.replace(out_file)  # all or nothing: no half-written file under the real name
    err.print(f"{out_file}: {len(result):,} rows scored with {meta.kind} {meta.model_sha256[:12]}")


model_app.command("list")(scoring_cli.model_list)
model_app.command("challenger")(scoring_cli.model_challenger)
model_app.command("promote")(scoring_cli.model_promote)
model_app.command("bureau-power")(scoring_cli.model_bureau_power)
model_app.command("drift")(scoring_cli.model_drift)
