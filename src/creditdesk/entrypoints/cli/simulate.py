"""`creditdesk simulate`: what a policy would do to sales, losses, DSO and customers, before it is
switched on."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from creditdesk.domain.monitoring import add_months
from creditdesk.entrypoints.cli.context import json_flag, state
from creditdesk.entrypoints.cli.engine import read_policy
from creditdesk.entrypoints.cli.output import EXIT_USAGE, err, fail, guarded, out, print_json
from creditdesk.entrypoints.cli.reports import JsonOption, XlsxOption
from creditdesk.entrypoints.cli.scoring import AsOfOption, as_of_date
from creditdesk.entrypoints.simulation_report import study_workbook, write_report
from creditdesk.service.simulation import policies
from creditdesk.service.simulation.engine import Scenario
from creditdesk.service.simulation.runner import default_workers
from creditdesk.service.simulation.study import Study, run_study
from creditdesk.service.simulation.validation import label_effects, recent_validation


def _file_policy(file: Path) -> policies.SimPolicy:
    _, check, limits = read_policy(file)
    return policies.from_file(f"{file.stem} ({check.name})", check, limits)


simulate_app = typer.Typer(invoke_without_command=True, no_args_is_help=False)


@simulate_app.callback()
def simulate_command(
    ctx: typer.Context,
    policy: Annotated[
        Path | None, typer.Option("--policy", help="A policy file to simulate against today's static limits.")
    ] = None,
    compare: Annotated[
        list[Path] | None, typer.Option("--compare", help="More policy files to compare (repeatable).")
    ] = None,
    months: Annotated[int, typer.Option("--months", min=1, max=120, help="Months to simulate.")] = 24,
    seeds: Annotated[int, typer.Option("--seeds", min=1, max=1000, help="Random worlds to run each policy in.")] = 20,
    as_of: AsOfOption = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Processes (default: every core).")] = None,
    frontier: Annotated[
        bool, typer.Option("--frontier/--no-frontier", help="Move the risk appetite to trace the frontier.")
    ] = True,
    release_share: Annotated[
        float, typer.Option("--release-share", min=0.0, max=1.0, help="Share of orders in review a person releases.")
    ] = Scenario.release_share,
    recovery_rate: Annotated[
        float, typer.Option("--recovery-rate", min=0.0, max=1.0, help="Share of a written-off item recovered.")
    ] = Scenario.recovery_rate,
    validation: Annotated[
        bool,
        typer.Option(
            "--validation/--no-validation",
            help="Validate the world on the book's last six months first (simulate validate) and label the effects.",
        ),
    ] = True,
    as_json: JsonOption = False,
    report: Annotated[Path | None, typer.Option("--report", help="Write an HTML report with charts.")] = None,
    xlsx: XlsxOption = None,
) -> None:
    """Simulate the portfolio month by month under each policy, over many seeds: sales, margin, bad
    debts, receivables and DSO, financing cost, blocked orders and waits, net profit, each with its
    5-95 % band, against the as-is practice (the book as it was run). Without --policy it compares
    the built-in policies: static legacy limits, score-based, dynamic and profit-optimal."""
    if ctx.invoked_subcommand is not None:
        return
    if compare and policy is None:
        fail("--compare needs --policy: the policy the others are compared with", EXIT_USAGE)
    from creditdesk.service.simulation.validation import book_start

    services = state(ctx).services
    day = as_of_date(as_of)
    frames = guarded(lambda: services.receivables().frames(day))
    book = guarded(lambda: book_start(services.limit_inputs(), services.scoring_store(), frames, day))
    if not book.portfolio.inputs:
        fail("there are no customers to simulate: import or build a portfolio first (creditdesk demo)", EXIT_USAGE)
    # The baseline is the book as it was run (its practice), then the alternatives.
    baseline = policies.as_is(book.practice)
    under_study = _file_policy(policy) if policy is not None else policies.score_based()
    chosen = (
        [baseline, under_study, *(_file_policy(f) for f in compare or [])]
        if policy is not None
        else [baseline, *policies.builtins()]
    )
    names = [p.name for p in chosen]
    if len(set(names)) != len(names):
        fail(f"two policies share a name: {', '.join(names)}; give the files different names", EXIT_USAGE)
    # Every policy starts from the book: its open items, its season, its default rate; the
    # warm-up months replay the book's selling, and the policies act from the first month on.
    portfolio = guarded(lambda: book.calibrated(frames, day, policies.WARMUP_MONTHS))
    scenario = Scenario(
        months=months,
        warmup_months=policies.WARMUP_MONTHS,
        history_warmup=True,
        release_share=release_share,
        recovery_rate=recovery_rate,
    )
    # The frontier moves the risk budget of the policy under study (the built-in score-based one).
    study = Study(chosen, seeds, scenario, frontier_of=under_study if frontier else None)
    quiet = json_flag(ctx, as_json)
    columns = (TextColumn("simulating"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err, transient=True, disable=not err.is_terminal) as bar:
        task = bar.add_task("simulate", total=None)
        document = run_study(
            portfolio,
            study,
            workers=workers,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
            left_out=book.left_out,
        )
    if validation:
        document["validation"] = guarded(
            lambda: recent_validation(
                services.limit_inputs(), services.scoring_store(), frames, day, workers=workers or default_workers()
            )
        )
        if document["validation"].get("mean_abs_error"):
            label_effects(document, document["validation"])
    if report is not None:
        write_report(document, report)
        err.print(f"wrote {report}")
    if xlsx is not None:
        study_workbook(document, xlsx)
        err.print(f"wrote {xlsx}")
    if quiet:
        print_json(_without_paths(document))
    else:
        _print(document)


def _without_paths(document: dict[str, Any]) -> dict[str, Any]:
    """The JSON keeps the monthly means; the bands of every month are in the report and workbook."""
    trimmed = []
    for policy in document["policies"]:
        monthly = {name: series["mean"] for name, series in policy["monthly"].items()}
        trimmed.append({**policy, "monthly": monthly})
    return {**document, "policies": trimmed}


def _validation_line(validation: dict[str, Any] | None) -> str | None:
    """What the world's validation says, for the top of the output (None: not asked for)."""
    if validation is None:
        return None
    if "skipped" in validation:
        return f"[yellow]The world is not validated[/yellow]: {validation['skipped']} {validation['from']}."
    errors = validation["first_month_error"]
    head = f"The world of {validation['from']} ({validation['months']} months of the book after it)"
    if not validation["passes"]:
        return f"{head} [red]FAILS[/red] its validation: " + "; ".join(validation["why"]) + "."
    return (
        f"{head} [green]passes[/green] its validation: the book inside the 90 % band in"
        f" {validation['coverage']:.0%} of month-figure pairs; the first month's sales {errors['sales']:+.1%},"
        f" receivables {errors['receivables']:+.1%}, DSO {errors['dso']:+.1%}."
    )


def _print(document: dict[str, Any]) -> None:
    line = _validation_line(document.get("validation"))
    if line:
        out.print(line)
    title = (
        f"{document['customers']} customers, {document['months']} months from {document['start']},"
        f" {document['seeds']} seeds ({document['currency']}; mean and 5-95 % band)"
    )
    table = Table(title=title)
    shown = ("sales", "bad_debt_losses", "net_profit", "dso", "blocked_orders", "good_customers_blocked")
    table.add_column("policy")
    for name in shown:
        table.add_column(name.replace("_", " "), justify="right")
    for policy in document["policies"]:
        cells = [f"{policy[n]['mean']:,.0f}\n[dim]{policy[n]['p05']:,.0f}–{policy[n]['p95']:,.0f}[/dim]" for n in shown]
        table.add_row(policy["policy"], *cells)
    out.print(table)
    for policy in document["policies"][1:]:
        d = policy["difference"]["net_profit"]
        customers = policy["customers"]
        honest = ""
        if d.get("distinguishable") is False:
            honest = (
                f" [yellow]not distinguishable[/yellow] (the world's validation error: ±{d['validation_error']:,.0f})"
            )
        out.print(
            f"{policy['policy']}: net profit {d['mean']:+,.0f} ({d['p05']:+,.0f} to {d['p95']:+,.0f}) against"
            f" {policy['against']}{honest}; {customers['gain']} customers buy more, {customers['lose']} less"
        )


@simulate_app.command("validate")
def validate_command(
    ctx: typer.Context,
    from_day: Annotated[
        str,
        typer.Option("--from", help="YYYY-MM-DD: the world is estimated from what the book knew at this month's end."),
    ],
    months: Annotated[int, typer.Option("--months", min=1, max=36, help="Months of the book to compare.")] = 6,
    seeds: Annotated[int, typer.Option("--seeds", min=5, max=1000, help="Random worlds (the band's draws).")] = 40,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Processes (default: every core).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Run the as-is baseline from what the book knew on --from over the months that followed, and
    compare it month by month with the book: sales, receivables, overdue, DSO, defaults,
    write-offs and blocked orders, each with the simulation's 90 % band and whether the book's
    value falls inside. Exit 0 when the world passes, 1 when it does not."""
    from creditdesk.service.simulation.validation import month_end_on_or_before, validate_book

    services = state(ctx).services
    day = as_of_date(from_day)
    today = services.clock.today()
    start = month_end_on_or_before(day)
    if add_months(start + timedelta(days=1), months) - timedelta(days=1) > today:
        fail(
            f"--from {from_day} --months {months} reaches beyond the book (today is {today}):"
            " choose an earlier --from or fewer --months",
            EXIT_USAGE,
        )
    frames = guarded(lambda: services.receivables().frames(today))
    document = guarded(
        lambda: validate_book(
            services.limit_inputs(),
            services.scoring_store(),
            frames,
            day,
            months,
            seeds,
            workers=workers or default_workers(),
        )
    )
    if json_flag(ctx, as_json):
        print_json(document)
    else:
        _print_validation(document)
    raise typer.Exit(0 if document["passes"] else 1)


def _print_validation(document: dict[str, Any]) -> None:
    verdict = "passes" if document["passes"] else "FAILS"
    out.print(
        f"The as-is world of {document['from']} ({document['customers']} customers, {document['currency']},"
        f" {document['seeds']} seeds) {verdict}: the book inside the 90 % band in {document['coverage']:.0%}"
        " of month-figure pairs."
    )
    for reason in document["why"]:
        out.print(f"  - {reason}")
    table = Table(title="the book and the simulation (mean, 90 % band), month by month")
    for column in ("figure", "month", "book", "simulated", "5 %", "95 %", "inside", "error"):
        table.add_column(column, justify="left" if column in ("figure", "month") else "right")
    for name, rows in document["figures"].items():
        for row in rows:
            error = "–" if row["error"] is None else f"{row['error']:+.1%}"
            inside = "yes" if row["inside"] else "[red]no[/red]"
            values = (row["actual"], row["mean"], row["p05"], row["p95"])
            table.add_row(name.replace("_", " "), row["month"], *(_num(v) for v in values), inside, error)
        table.add_section()
    out.print(table)


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:,.1f}" if abs(value) < 1000 else f"{value:,.0f}"
