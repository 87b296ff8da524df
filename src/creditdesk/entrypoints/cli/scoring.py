"""`creditdesk score` and the portfolio model registry (`creditdesk model list|challenger|promote`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from creditdesk.config import load_settings
from creditdesk.entrypoints.cli.context import CLI_ACTOR, json_flag, state
from creditdesk.entrypoints.cli.output import EXIT_USAGE, err, fail, out, print_json, user_errors
from creditdesk.service import scoring

AsOfOption = Annotated[
    str | None, typer.Option("--as-of", help="YYYY-MM-DD; default today (CREDITDESK_TODAY when set).")
]


def as_of_date(text: str | None) -> date:
    if text is None:
        return load_settings().today or date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"--as-of expects a date as YYYY-MM-DD; got {text!r}", EXIT_USAGE)


def score_command(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    retrain: Annotated[bool, typer.Option("--retrain", help="Train a new champion first.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Re-score the stored portfolio (champion and challengers); keep every score in the history."""
    services = state(ctx).services
    with user_errors():
        run = scoring.score_portfolio(
            services.scoring_store(),
            services.uow(),
            services.settings.var_dir / "models",
            as_of_date(as_of),
            actor=CLI_ACTOR,
            clock=services.clock,
            retrain=retrain,
        )
    if json_flag(ctx, as_json):
        print_json(run.as_json())
        return
    out.print(f"{run.customers:,} customers scored as of {run.as_of} with {run.champion}")
    out.print("grades: " + ", ".join(f"{g}: {n}" for g, n in sorted(run.grades.items())))
    out.print(f"{run.flagged_by_bureau} customer(s) two or more grades away from a bureau: flagged for review")


def model_list(ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The portfolio's champion and challengers with their held-out figures."""
    store = state(ctx).services.scoring_store()
    with user_errors():
        found = {role: store.models_in_role(role) for role in scoring.ROLES}
    if json_flag(ctx, as_json):
        print_json(found)
        return
    for role, entries in found.items():
        for entry in entries:
            m = entry["metrics"]
            out.print(
                f"{role:<10} {entry['version']}  trained to {entry['trained_as_of']}  "
                f"AUC {m.get('auc', float('nan')):.3f}  KS {m.get('ks', float('nan')):.3f}  "
                f"Brier {m.get('brier', float('nan')):.4f}"
            )


def model_challenger(ctx: typer.Context, as_of: AsOfOption = None) -> None:
    """Train a challenger on the year to --as-of; its scores are kept beside the champion's."""
    services = state(ctx).services
    with user_errors():
        version = scoring.train_model(
            services.scoring_store(),
            services.settings.var_dir / "models",
            as_of_date(as_of),
            role="challenger",
            actor=CLI_ACTOR,
            clock=services.clock,
        )
    out.print(version)


def model_promote(ctx: typer.Context, version: str) -> None:
    """Make a model the champion; the previous champion is retired."""
    with user_errors():
        found = state(ctx).services.scoring_store().promote(version)
    if not found:
        fail(f"no model version {version!r}; see `creditdesk model list`", EXIT_USAGE)
    err.print(f"{version} is the champion")


def model_bureau_power(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    period: Annotated[str, typer.Option("--period", help="Q (quarter), M (month) or Y (year).")] = "Q",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """How well each bureau and our model ranked the customers that defaulted within a year."""
    if period not in ("M", "Q", "Y"):
        fail(f"--period is M, Q or Y; got {period!r}", EXIT_USAGE)
    services = state(ctx).services
    with user_errors():
        rows = scoring.ranking_power_report(services.scoring_store(), as_of_date(as_of), period=period)
    if json_flag(ctx, as_json):
        print_json(rows)
        return
    for row in rows:
        shown = "   -  " if row["auc"] is None else f"{row['auc']:.3f}"
        out.print(
            f"{row['source']:<20} {row['period']:<8} n {row['n']:>6,}  defaults {row['defaults']:>4}  AUC {shown}"
        )


def model_drift(
    ctx: typer.Context, as_of: AsOfOption = None, as_json: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """PSI of the champion's score and features, training population against today's portfolio."""
    services = state(ctx).services
    with user_errors():
        report = scoring.champion_drift(services.scoring_store(), as_of_date(as_of))
    if json_flag(ctx, as_json):
        print_json(report)
        return
    out.print(f"{report['version']} as of {report['as_of']}: PSI of the score {report['psi_score']:.4f}")
    shifted = sorted(report["psi_features"].items(), key=lambda item: -item[1])[:10]
    for name, value in shifted:
        out.print(f"  {name:<28} PSI {value:.4f}{'  (act: above 0.25)' if value > 0.25 else ''}")
