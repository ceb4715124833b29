"""The monolith's channel controllers (``channel-*`` in monolith/urls.py), through HTTP."""

from __future__ import annotations

import base64

import pytest
from django.urls import reverse

from monolith.sales.models import Channel, SalesStatus

pytestmark = pytest.mark.django_db


def post(client, name: str, data=None, raw: str | None = None, **kwargs):
    payload = raw if raw is not None else (data or {})
    return client.post(reverse(name, kwargs=kwargs), payload, content_type="application/json")


def make(code: str, kind: str = "web", active: bool = True) -> Channel:
    return Channel.objects.create(code=code, name=code.title(), kind=kind, active=active)


def test_create_returns_the_channel_and_stores_it(api):
    response = post(api, "channel-create", {"code": "web", "name": "Web", "kind": "web"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("code", "name", "kind", "active")} == {
        "code": "web",
        "name": "Web",
        "kind": "web",
        "active": True,
    }
    assert Channel.objects.get(pk=body["id"]).name == "Web"


def test_create_an_inactive_channel(api):
    response = post(
        api, "channel-create", {"code": "popup", "name": "P", "kind": "store", "active": False}
    )
    assert response.status_code == 201
    assert Channel.objects.get(code="popup").active is False


@pytest.mark.parametrize(
    ("data", "status", "mentions"),
    [
        ({"code": "Bad Code", "name": "X", "kind": "web"}, 400, "code"),
        ({"code": "café", "name": "X", "kind": "web"}, 400, "code"),
        ({"code": "ok", "name": " ", "kind": "web"}, 400, "name"),
        ({"code": "ok", "name": "n" * 201, "kind": "web"}, 400, "name"),
        ({"code": "ok", "name": "nul\x00", "kind": "web"}, 400, "name"),
        ({"code": "ok", "name": "X", "kind": "tv"}, 400, "kind"),
        ({"code": "ok", "name": "X"}, 400, "kind"),
        ({"code": "ok", "name": "X", "kind": "web", "active": "no"}, 400, "active"),
        ({"code": "taken", "name": "X", "kind": "web"}, 409, "taken"),
    ],
)
def test_create_bad_input_is_refused_and_creates_nothing(api, data, status, mentions):
    make("taken")
    response = post(api, "channel-create", data)
    assert response.status_code == status
    assert mentions in response.json()["error"]
    assert list(Channel.objects.values_list("code", flat=True)) == ["taken"]


@pytest.mark.parametrize("raw", ["{not json", "[1, 2]", '"text"'])
def test_create_with_a_body_that_is_not_a_json_object_is_400(api, raw):
    response = post(api, "channel-create", raw=raw)
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]
    assert not Channel.objects.exists()


def test_list_filters_and_pages(client):
    make("web")
    make("store", kind="store")
    make("closed", kind="store", active=False)

    def codes(**query) -> list[str]:
        response = client.get(reverse("channel-list"), query)
        assert response.status_code == 200, response.content
        return [c["code"] for c in response.json()["channels"]]

    assert codes() == ["web", "store", "closed"]
    assert codes(kind="store") == ["store", "closed"]
    assert codes(active="false") == ["closed"]
    assert codes(kind="store", active="true") == ["store"]
    assert codes(page_size=2) == ["web", "store"]
    assert codes(page_size=2, page=2) == ["closed"]
    assert codes(page=3, page_size=2) == []


@pytest.mark.parametrize(
    "query",
    [
        {"page": "x"},
        {"page": 0},
        {"page_size": 0},
        {"page_size": 1001},
        {"page": 10**20},
        {"active": "yes"},
        {"kind": "tv"},
    ],
)
def test_list_bad_query_is_400(client, query):
    response = client.get(reverse("channel-list"), query)
    assert response.status_code == 400
    assert response.json()["error"]


def test_detail_and_404(client):
    channel = make("web")
    response = client.get(reverse("channel-detail", args=[channel.pk]))
    assert response.status_code == 200
    assert response.json()["code"] == "web"
    missing = client.get(reverse("channel-detail", args=[channel.pk + 1]))
    assert missing.status_code == 404
    assert str(channel.pk + 1) in missing.json()["error"]


def test_update_changes_only_the_fields_given(api):
    channel = make("web")
    response = post(api, "channel-update", {"name": "Web shop"}, channel_id=channel.pk)
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["kind"]) == ("Web shop", "web")
    response = post(
        api, "channel-update", {"active": False, "kind": "partner"}, channel_id=channel.pk
    )
    assert response.status_code == 200
    channel.refresh_from_db()
    assert (channel.name, channel.kind, channel.active) == ("Web shop", "partner", False)


@pytest.mark.parametrize(
    "data",
    [
        {"name": ""},
        {"name": "n" * 201},
        {"name": 5},
        {"kind": "tv"},
        {"kind": 3},
        {"active": "yes"},
    ],
)
def test_update_bad_input_is_400_and_changes_nothing(api, data):
    channel = make("web")
    response = post(api, "channel-update", data, channel_id=channel.pk)
    assert response.status_code == 400, response.content
    assert response.json()["error"]
    assert Channel.objects.get(pk=channel.pk).name == "Web"


def test_update_and_delete_of_an_unknown_channel_are_404(api):
    assert post(api, "channel-update", {"name": "X"}, channel_id=9).status_code == 404
    assert post(api, "channel-delete", channel_id=9).status_code == 404


def test_delete_removes_the_channel(api):
    channel = make("web")
    response = post(api, "channel-delete", channel_id=channel.pk)
    assert response.status_code == 200
    assert response.json() == {"deleted": channel.pk}
    assert not Channel.objects.exists()


def test_delete_of_a_channel_in_use_is_409(api):
    channel = make("web")
    SalesStatus.objects.create(sale_kind="car", sale_id=1, state="draft", channel=channel)
    response = post(api, "channel-delete", channel_id=channel.pk)
    assert response.status_code == 409
    assert "web" in response.json()["error"]
    assert Channel.objects.filter(pk=channel.pk).exists()


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("channel-create", {}),
        ("channel-update", {"channel_id": 1}),
        ("channel-delete", {"channel_id": 1}),
    ],
)
def test_writes_without_auth_are_401_and_change_nothing(client, name, kwargs):
    channel = make("web")
    response = client.post(
        reverse(name, kwargs={k: channel.pk for k in kwargs}),
        {"code": "new", "name": "N", "kind": "web"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Basic")
    assert list(Channel.objects.values_list("code", "name")) == [("web", "Web")]


@pytest.mark.parametrize("credentials", [b"al\x00ice:secret", b"alice:sec\x00ret"])
def test_a_nul_in_basic_credentials_is_401(client, user, credentials):
    client.defaults["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(credentials).decode()
    response = post(client, "channel-create", {"code": "web", "name": "Web", "kind": "web"})
    assert response.status_code == 401
    assert not Channel.objects.exists()


def test_wrong_password_is_401(client, user):
    client.defaults["HTTP_AUTHORIZATION"] = "Basic YWxpY2U6d3Jvbmc="  # alice:wrong
    response = post(client, "channel-create", {"code": "web", "name": "Web", "kind": "web"})
    assert response.status_code == 401
    assert not Channel.objects.exists()


@pytest.mark.parametrize(
    ("method", "name", "kwargs"),
    [
        ("post", "channel-list", {}),
        ("delete", "channel-detail", {"channel_id": 1}),
        ("get", "channel-create", {}),
        ("get", "channel-update", {"channel_id": 1}),
        ("put", "channel-update", {"channel_id": 1}),
        ("get", "channel-delete", {"channel_id": 1}),
    ],
)
def test_wrong_method_is_405(api, method, name, kwargs):
    response = getattr(api, method)(reverse(name, kwargs=kwargs))
    assert response.status_code == 405
    assert response["Allow"] in ("GET", "POST")
    assert response["Allow"] in response.json()["error"]
