"""`creditdesk model fit|evaluate|score`: the model life cycle on any CSV with a 0/1 target."""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from creditdesk.adapters import model_schema
from creditdesk.adapters.model_data import ModelData, ModelDataError, read_model_data
from creditdesk.adapters.model_schema import read_schema
from creditdesk.entrypoints.cli import scoring as scoring_cli
from creditdesk.entrypoints.cli.context import json_flag
from creditdesk.entrypoints.cli.output import EXIT_DATA, EXIT_USAGE, err, fail, out, print_json
from creditdesk.risk import artefact, peers, workflow
from creditdesk.risk.column_plan import FEATURE_ROLES, ColumnPlan, Declared
from creditdesk.risk.cross_validation import cross_validate
from creditdesk.risk.fairness import MIN_GROUP_ROWS

model_app = typer.Typer(help="Fit, evaluate and apply scoring models on CSV files.", no_args_is_help=True)

DataOption = Annotated[Path, typer.Option("--data", help="A CSV file, one row per case, a header row.")]
TargetOption = Annotated[str, typer.Option("--target", help="The 0/1 column to predict (1 = default, late, bad).")]
JsonOption = Annotated[bool, typer.Option("--json")]


def _read(path: Path, **kwargs: Any) -> ModelData:
    """The file's data, or every problem as FILE:LINE:COL: CODE on stderr and exit 65."""
    try:
        return read_model_data(path, **kwargs)
    except ModelDataError as error:
        _report(error)


def _for_model(path: Path, meta: artefact.ArtefactMetadata, target: str | None) -> ModelData:
    """The file read as the model was fitted: its column plan, or its numbers for an older model."""
    if meta.columns:
        return _read(path, target=target, plan=ColumnPlan.from_dict(meta.columns))
    return _read(path, target=target, features=meta.features)


def _load(folder: Path) -> tuple[Any, artefact.ArtefactMetadata]:
    try:
        return artefact.load(folder)
    except artefact.ArtefactError as error:
        fail(str(error), EXIT_DATA)


ROLE_OPTIONS = ("categorical", "numeric", "id", "date", "exclude")


@dataclass(frozen=True)
class Columns:
    """The column declarations a command was given (see risk.column_plan)."""

    roles: dict[str, str]
    schema: Path | None
    allow_protected: list[str]
    protected_reason: str
    protected_patterns: list[str]
    as_of: str | None

    def declared(self) -> Declared:
        if self.allow_protected and not self.protected_reason.strip():
            fail("--allow-protected needs --protected-reason: why this model may use it (it is recorded)", EXIT_USAGE)
        if self.protected_reason.strip() and not self.allow_protected:
            fail("--protected-reason says why a column given with --allow-protected may be used; name one", EXIT_USAGE)
        try:
            as_of = date.fromisoformat(self.as_of) if self.as_of else None
        except ValueError:
            fail(f"--as-of expects a date (YYYY-MM-DD); found {self.as_of!r}", EXIT_USAGE)
        try:
            schema = read_schema(self.schema) if self.schema else {}
            return model_schema.declared(
                schema,
                roles=self.roles,
                allow_protected=dict.fromkeys(self.allow_protected, self.protected_reason.strip()),
                extra_patterns=self.protected_patterns,
                as_of=as_of,
            )
        except ModelDataError as error:
            _report(error)


CategoricalOption = Annotated[list[str] | None, typer.Option("--categorical", help="A column of categories.")]
NumericOption = Annotated[list[str] | None, typer.Option("--numeric", help="A column of numbers.")]
IdOption = Annotated[list[str] | None, typer.Option("--id", help="An identifier: never a feature.")]
DateOption = Annotated[
    list[str] | None, typer.Option("--date", help="A date column: its age in days on --as-of is the feature.")
]
ExcludeOption = Annotated[list[str] | None, typer.Option("--exclude", help="A column that is not a feature.")]
SchemaOption = Annotated[
    Path | None, typer.Option("--schema", help="A TOML file of roles, protected attributes and labels.")
]
AllowOption = Annotated[
    list[str] | None, typer.Option("--allow-protected", help="A protected column this model may use.")
]
ReasonOption = Annotated[str, typer.Option("--protected-reason", help="Why (recorded with the model).")]
PatternOption = Annotated[
    list[str] | None, typer.Option("--protected-pattern", help="Another word that marks a protected column.")
]
AsOfOption = Annotated[str | None, typer.Option("--as-of", help="The day dates' ages are counted to.")]
CvOption = Annotated[int, typer.Option("--cv", min=0, max=20, help="Cross-validate on this many folds first.")]
SeedOption = Annotated[int, typer.Option("--seed", help="The seed of the hold-out split and the folds.")]


def with_column_options(command: Callable[..., None]) -> Callable[..., None]:
    """Gives a command the column options (roles, schema, protected attributes, as-of), declared
    once here, as one ``columns: Columns`` argument (Typer reads the signature built here)."""
    shared = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
        for name, annotation, default in (
            ("categorical", CategoricalOption, None),
            ("numeric", NumericOption, None),
            ("id_", IdOption, None),
            ("date_", DateOption, None),
            ("exclude", ExcludeOption, None),
            ("schema", SchemaOption, None),
            ("allow_protected", AllowOption, None),
            ("protected_reason", ReasonOption, ""),
            ("protected_pattern", PatternOption, None),
            ("as_of", AsOfOption, None),
        )
    ]
    own = [p for p in inspect.signature(command, eval_str=True).parameters.values() if p.name != "columns"]

    @functools.wraps(command)
    def run(**given: Any) -> None:
        options = {p.name: given.pop(p.name) for p in shared}
        roles: dict[str, str] = {}
        for role, key in zip(ROLE_OPTIONS, ("categorical", "numeric", "id_", "date_", "exclude"), strict=True):
            for name in options[key] or ():
                if roles.get(name, role) != role:
                    fail(f"column {name!r} is declared both --{roles[name]} and --{role}; choose one", EXIT_USAGE)
                roles[name] = role
        columns = Columns(
            roles,
            options["schema"],
            options["allow_protected"] or [],
            options["protected_reason"],
            options["protected_pattern"] or [],
            options["as_of"],
        )
        command(**given, columns=columns)

    run.__signature__ = inspect.Signature([*own, *shared])  # type: ignore[attr-defined]
    return run


def _report(error: ModelDataError) -> NoReturn:
    for problem in error.problems:
        sys.stderr.write(str(problem) + "\n")
    err.print(f"{len(error.problems)} problem(s); nothing was written")
    raise typer.Exit(EXIT_DATA)


def _print_plan(plan: ColumnPlan) -> None:
    """The inferred and declared roles, before fitting: what the model will and will not see."""
    table = Table(title="columns", title_justify="left")
    table.add_column("column", overflow="fold")
    for heading in ("holds", "role", "missing", "distinct", "why"):
        table.add_column(heading)
    for column in plan.columns:
        style = "" if column.role in FEATURE_ROLES else "dim"
        table.add_row(
            escape(column.name),
            column.holds,
            str(column.role),
            f"{column.missing_share:.0%}",
            f"{column.distinct:,}",
            escape(column.why),
            style=style,
        )
    err.print(table)


@model_app.command("fit")
@with_column_options
def model_fit(
    ctx: typer.Context,
    data: DataOption,
    target: TargetOption,
    out_dir: Annotated[Path, typer.Option("--out", help="A new folder for the model artefact.")],
    kind: Annotated[str, typer.Option("--kind", help="scorecard, gbm or champion (both, blended).")] = "scorecard",
    scale: Annotated[str, typer.Option("--scale", help="master (the bank-wide grades) or quantile.")] = "master",
    cv: CvOption = 0,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
    *,
    columns: Columns,
) -> None:
    """Fit a model; write a versioned artefact with its validation report (20 % held out)."""
    if kind not in workflow.MODEL_KINDS:
        fail(f"unknown --kind {kind!r}; expected one of {', '.join(workflow.MODEL_KINDS)}", EXIT_USAGE)
    if scale not in workflow.SCALES:
        fail(f"unknown --scale {scale!r}; expected one of {', '.join(workflow.SCALES)}", EXIT_USAGE)
    if out_dir.exists() and not out_dir.is_dir():
        fail(f"{out_dir} is a file; an artefact is a new folder, choose a new name", EXIT_USAGE)
    if out_dir.exists() and any(out_dir.iterdir()):
        fail(f"{out_dir} is not empty; an artefact is never overwritten, choose a new folder", EXIT_USAGE)
    table = _read(data, target=target, declared=columns.declared())
    assert table.y is not None and table.plan is not None
    as_json = json_flag(ctx, as_json)
    if not as_json:
        _print_plan(table.plan)
    err.print(f"fitting a {kind} on {len(table.X):,} rows and {table.X.shape[1]} features…")
    options = workflow.FitOptions(table.plan, table.protected, scale, cv, seed)
    try:
        meta, report = workflow.fit_artefact(
            table.X, table.y, kind=kind, target=target, folder=out_dir, options=options
        )
    except ValueError as error:
        fail(f"{data}: {error}", EXIT_DATA)
    summary = {
        "artefact": str(out_dir),
        "kind": meta.kind,
        "rows": meta.training_rows,
        "features": meta.features,
        "columns": meta.columns.get("columns", []),
        "left_out": meta.left_out,
        "ignored_columns": list(meta.left_out),
        "protected": meta.protected,
        "scale": meta.scale,
        "data_sha256": meta.data_sha256,
        "model_sha256": meta.model_sha256,
        "holdout": {k: report[k] for k in ("n", "auc", "gini", "ks", "brier", "grade_shares")},
        "cv": meta.cv,
        "fairness": report.get("fairness", []),
        "warnings": report["warnings"],
    }
    if as_json:
        print_json(summary)
        return
    out.print(
        f"{out_dir}: {kind} on {meta.training_rows:,} rows; held-out AUC {report['auc']:.3f}, "
        f"KS {report['ks']:.3f}, Brier {report['brier']:.4f}",
        soft_wrap=True,
    )
    if meta.cv:
        out.print(_cv_line(meta.cv), soft_wrap=True)
    for name, why in meta.left_out.items():
        out.print(f"left out: {name} ({why})", soft_wrap=True, markup=False)
    for name, why in meta.protected.get("allowed", {}).items():
        out.print(f"protected but allowed: {name} ({why})", soft_wrap=True, markup=False)
    for attribute in report.get("fairness", []):
        out.print(_fairness_line(attribute), soft_wrap=True)
    for warning in report["warnings"]:
        out.print(f"[yellow]warning:[/yellow] {escape(warning)}", soft_wrap=True)


def _cv_line(cv: dict[str, Any]) -> str:
    return (
        f"cross-validated ({cv['folds']} stratified folds, seed {cv['seed']}): AUC {cv['auc']:.3f} ± "
        f"{cv['auc_sd']:.3f}, KS {cv['ks']:.3f} ± {cv['ks_sd']:.3f}, Brier {cv['brier']:.4f} ± {cv['brier_sd']:.4f}"
    )


def _fairness_line(attribute: dict[str, Any]) -> str:
    judged = [g for g in attribute["groups"] if g["judged"] and g["adverse_impact_ratio"] is not None]
    small = [g["group"] for g in attribute["groups"] if not g["judged"]]
    lowest = min(judged, key=lambda g: g["adverse_impact_ratio"], default=None)
    used = "used by the model" if attribute["used_by_model"] else "not used by the model"
    parts = [f"fairness: {attribute['attribute']} ({used})"]
    if lowest:
        parts.append(f"lowest impact ratio {lowest['adverse_impact_ratio']:.2f} ({lowest['group']})")
    parts.append(f"below four fifths: {', '.join(attribute['flagged']) or 'none'}")
    if small:
        parts.append(f"not judged, under {MIN_GROUP_ROWS} rows: {', '.join(small)}")
    return escape("; ".join(parts))


@model_app.command("evaluate")
def model_evaluate(
    ctx: typer.Context,
    folder: Annotated[Path, typer.Argument(help="A model artefact folder.")],
    data: DataOption,
    target: TargetOption,
    as_json: JsonOption = False,
) -> None:
    """AUC, KS, Gini, Brier, calibration by grade and drift (PSI) of a model on a labelled file."""
    table = _for_model(data, _load(folder)[1], target)
    assert table.y is not None
    report = workflow.evaluate(folder, table.X, table.y)
    if json_flag(ctx, as_json):
        print_json(report)
        return
    for warning in report["warnings"]:
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", soft_wrap=True)
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
    lang: Annotated[str, typer.Option("--lang", help="The language of the reasons' text: en or zh.")] = "en",
) -> None:
    """Write each input row with its pd, score, grade and top reasons (code, points and text)."""
    if lang not in ("en", "zh"):
        fail(f"unknown --lang {lang!r}; expected en or zh", EXIT_USAGE)
    if out_file.is_dir() or not out_file.parent.is_dir():
        fail(f"--out {out_file}: expected a file name in an existing folder", EXIT_USAGE)
    if out_file.exists() and data.exists() and out_file.samefile(data):
        fail(f"--out {out_file} is the input file; write the scores to another file", EXIT_USAGE)
    model, meta = _load(folder)
    table = _for_model(data, meta, None)
    for warning in workflow.unseen_categories(meta, table.X):
        err.print(f"[yellow]warning:[/yellow] {escape(warning)}", soft_wrap=True)
    words = table.frame[list(table.X.columns)].apply(lambda column: column.str.strip())
    scored = workflow.score_table(model, table.X, top=top, meta=meta, lang=lang, words=words)
    replaced = [name for name in scored.columns if name in table.frame.columns]
    if replaced:
        err.print(f"the input's own {', '.join(replaced)} are replaced by the new scores", soft_wrap=True, markup=False)
    result = pd.concat([table.frame.drop(columns=replaced), scored.set_axis(table.frame.index)], axis=1)
    partial = out_file.with_name(out_file.name + ".partial")
    try:
        result.to_csv(partial, index=False)
        partial.replace(out_file)  # all or nothing: no half-written file under the real name
    except OSError as error:
        partial.unlink(missing_ok=True)
        fail(f"--out {out_file}: cannot write it ({error.strerror or error}); nothing was written", EXIT_DATA)
    err.print(f"{out_file}: {len(result):,} rows scored with {meta.kind} {meta.model_sha256[:12]}")


@model_app.command("compare")
@with_column_options
def model_compare(
    ctx: typer.Context,
    data: DataOption,
    target: TargetOption,
    cv: Annotated[int, typer.Option("--cv", min=2, max=20, help="Folds (stratified, shuffled, seeded).")] = 5,
    seed: SeedOption = 0,
    models: Annotated[
        list[str] | None,
        typer.Option("--models", help="Some of scorecard, gbm, champion, optbinning, lightgbm (default: all)."),
    ] = None,
    as_json: JsonOption = False,
    *,
    columns: Columns,
) -> None:
    """Our models and the peers installed here (optbinning, LightGBM), cross-validated on the same folds."""
    everyone = {kind: (f"creditdesk {kind}", make) for kind, make in workflow.MODEL_KINDS.items()} | peers.available()
    chosen = [key.strip() for key in ",".join(models or everyone).split(",") if key.strip()]
    unknown = [key for key in chosen if key not in everyone]
    if unknown:
        fail(f"unknown --models {', '.join(unknown)}; expected some of {', '.join(everyone)}", EXIT_USAGE)
    table = _read(data, target=target, declared=columns.declared())
    assert table.y is not None
    try:
        workflow.check_fittable(table.y)
    except ValueError as error:
        fail(f"{data}: {error}", EXIT_DATA)
    results = {}
    for name, make in (everyone[key] for key in chosen):
        err.print(f"{name}: {cv} folds…")
        try:
            results[name] = cross_validate(make, table.X, table.y, cv, seed)
        except ValueError as error:
            fail(f"{data}: {error}", EXIT_DATA)
    if json_flag(ctx, as_json):
        print_json(
            {"folds": cv, "seed": seed, "rows": len(table.X), "features": list(table.X.columns), "models": results}
        )
        return
    shown = Table("model", "AUC", "±", "KS", "Brier", "fit s", title=f"{cv} stratified folds, seed {seed}")
    for name, figures in results.items():
        shown.add_row(
            name,
            f"{figures['auc']:.4f}",
            f"{figures['auc_sd']:.4f}",
            f"{figures['ks']:.3f}",
            f"{figures['brier']:.4f}",
            f"{figures['fit_seconds']:.1f}",
        )
    out.print(shown)


model_app.command("list")(scoring_cli.model_list)
model_app.command("challenger")(scoring_cli.model_challenger)
model_app.command("promote")(scoring_cli.model_promote)
model_app.command("bureau-power")(scoring_cli.model_bureau_power)
model_app.command("drift")(scoring_cli.model_drift)
