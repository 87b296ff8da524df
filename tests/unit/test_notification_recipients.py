"""Who is told of a held order, a limit request, a blocked account: the authority rules."""

from __future__ import annotations

from decimal import Decimal

from creditdesk.domain.money import Money
from creditdesk.domain.roles import Role
from creditdesk.domain.rules import CheckPolicy, builtin_policy
from creditdesk.service.notifications import Person, deciders, managers, releasers, render, reviewers

PEOPLE = [
    Person("vic", Role.VIEWER, "en", None, "each"),
    Person("sam", Role.SALES, "en", None, "each"),
    Person("alan", Role.ANALYST, "en", None, "each"),
    Person("mei", Role.MANAGER, "zh", None, "each"),
    Person("ada", Role.ADMIN, "en", None, "each"),
]


def names(people: list[Person]) -> list[str]:
    return [p.username for p in people]


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def test_under_the_builtin_policy_managers_and_admins_release_never_the_analyst() -> None:
    assert names(releasers(PEOPLE, builtin_policy(), eur("5000"))) == ["mei", "ada"]


def test_an_order_beyond_a_managers_authority_goes_to_those_with_enough() -> None:
    policy = CheckPolicy(
        version=1,
        name="ceilings",
        release_authority={Role.ANALYST: {"EUR": Decimal(1000)}},
        four_eyes_release={Role.MANAGER: {"EUR": Decimal(10_000)}, Role.ADMIN: {}},
    )
    assert names(releasers(PEOPLE, policy, eur("500"))) == ["alan", "mei", "ada"]
    assert names(releasers(PEOPLE, policy, eur("5000"))) == ["mei", "ada"]
    assert names(releasers(PEOPLE, policy, eur("50000"))) == ["ada"]
    # A second approval: only those who may approve as the second person.
    assert names(releasers(PEOPLE, policy, eur("500"), second=True)) == ["alan", "mei", "ada"]
    assert names(releasers(PEOPLE, policy, eur("5000"), second=True)) == ["mei", "ada"]
    # Another currency: the managers have no ceiling in it, the admins none at all.
    assert names(releasers(PEOPLE, policy, Money(Decimal(10), "USD"))) == ["ada"]


def test_limit_requests_go_to_their_required_role_and_above() -> None:
    assert names(deciders(PEOPLE, Role.ANALYST)) == ["alan", "mei", "ada"]
    assert names(deciders(PEOPLE, Role.MANAGER)) == ["mei", "ada"]
    assert names(deciders(PEOPLE, Role.ADMIN)) == ["ada"]
    assert names(managers(PEOPLE)) == ["mei", "ada"] and names(reviewers(PEOPLE)) == ["alan", "mei"]


def test_every_text_renders_in_both_languages() -> None:
    from creditdesk.service.notifications import TEXTS

    values = {
        name: "x"
        for name in [
            "order_id",
            "customer",
            "customer_id",
            "amount",
            "outcome",
            "reasons",
            "requested_by",
            "comment",
            "request_id",
            "temporary",
            "reason",
            "required_role",
            "decided_by",
            "before",
            "since",
            "on",
            "delivery_id",
            "event_type",
            "url",
            "state",
            "attempts",
            "error",
            "application_id",
            "submitted_by",
            "requested",
            "approvals",
        ]
    }
    for kind, languages in TEXTS.items():
        assert set(languages) == {"en", "zh"}, kind
        for language in ("en", "zh"):
            subject, body = render(kind, language, **values)
            assert subject and body


def test_when_nobody_has_the_authority_the_admins_hear() -> None:
    policy = CheckPolicy(version=1, name="none", release_authority={}, four_eyes_release={})
    assert names(releasers(PEOPLE, policy, eur("10"))) == ["ada"]
