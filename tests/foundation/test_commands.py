"""Commands a developer types: ``manage.py seed`` and ``manage.py help``."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django.db.models import Count

from monolith.catalog.models import SALE_MODELS
from monolith.sales.models import Channel, SalesStatus
from tests.service_process import REPO


def manage(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def sale_count() -> int:
    return sum(model.objects.count() for model in SALE_MODELS.values())


def assert_one_status_per_sale() -> None:
    for kind, model in SALE_MODELS.items():
        sale_ids = set(model.objects.values_list("id", flat=True))
        status_ids = list(
            SalesStatus.objects.filter(sale_kind=kind).values_list("sale_id", flat=True)
        )
        assert sorted(status_ids) == sorted(sale_ids), kind
    assert (
        not SalesStatus.objects.values("sale_kind", "sale_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )


@pytest.mark.django_db
def test_seed_creates_sales_each_with_one_status_and_is_idempotent(capsys):
    call_command("seed", sales=100, verbosity=0)
    assert sale_count() == 100
    assert SalesStatus.objects.count() == 100
    assert_one_status_per_sale()
    assert all(SALE_MODELS[k].objects.exists() for k in SALE_MODELS)
    used = set(SalesStatus.objects.values_list("channel__active", flat=True))
    assert used == {True}, "sales are only put on active channels"

    channels = Channel.objects.count()
    call_command("seed", sales=100, verbosity=0)
    assert (sale_count(), SalesStatus.objects.count(), Channel.objects.count()) == (
        100,
        100,
        channels,
    )
    assert "already seeded" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize("sales", [1, 2, 7])
def test_seed_creates_exactly_the_number_asked(sales):
    call_command("seed", sales=sales, users=3, verbosity=0)
    assert sale_count() == sales
    assert_one_status_per_sale()


@pytest.mark.django_db
def test_seed_append_adds_more(capsys):
    call_command("seed", sales=10, verbosity=0)
    call_command("seed", sales=10, append=True, verbosity=0)
    assert sale_count() == 20
    assert_one_status_per_sale()


@pytest.mark.parametrize("args", [("--sales", "0"), ("--sales", "20000000"), ("--users", "0")])
def test_seed_bad_input_exits_non_zero_with_one_line(args):
    result = manage("seed", *args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert args[0] in lines[0]


def test_seed_with_a_non_number_shows_usage_like_any_django_command():
    result = manage("seed", "--sales", "x")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "manage.py seed: error: argument --sales: invalid int value: 'x'"
    )


def test_manage_help_lists_the_commands():
    result = manage("help")
    assert result.returncode == 0, result.stderr
    for command in ("seed", "strangler", "migrate"):
        assert command in result.stdout
    seed_help = manage("help", "seed")
    assert seed_help.returncode == 0
    assert "--sales" in seed_help.stdout and "--append" in seed_help.stdout
