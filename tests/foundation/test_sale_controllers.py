"""The monolith's car, bike and toy controllers and the cars CSV report, through HTTP.

Each test runs for every kind of sale: the kinds have their own controllers (routing switches
them one at a time) but must behave alike.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from monolith.catalog.models import SALE_MODELS
from monolith.sales.models import Channel, SalesStatus

pytestmark = pytest.mark.django_db

EXTRA = {"car": ("mileage_km", 12_000), "bike": ("frame_cm", 56), "toy": ("min_age", 6)}


@pytest.fixture(params=["car", "bike", "toy"])
def kind(request) -> str:
    return request.param


@pytest.fixture
def web() -> Channel:
    return Channel.objects.create(code="web", name="Web", kind="web")


@pytest.fixture
def closed() -> Channel:
    return Channel.objects.create(code="closed", name="Closed", kind="store", active=False)


def post(client, name: str, data=None, raw: str | None = None, **kwargs):
    payload = raw if raw is not None else (data or {})
    return client.post(reverse(name, kwargs=kwargs), payload, content_type="application/json")


def create(client, kind: str, **data) -> dict:
    data = {"title": "Red one", "price": "100.00", **data}
    response = post(client, f"{kind}-create", data)
    assert response.status_code == 201, response.content
    return response.json()


def status_of(kind: str, sale_id: int) -> SalesStatus | None:
    return SalesStatus.objects.filter(sale_kind=kind, sale_id=sale_id).first()


def test_create_makes_the_sale_and_its_status(api, user, kind, web):
    extra, value = EXTRA[kind]
    body = create(api, kind, state="on_sale", channel_id=web.pk, **{extra: value})
    assert (body["kind"], body["title"], body["price"], body[extra]) == (
        kind,
        "Red one",
        "100.00",
        value,
    )
    assert body["seller"] == {"id": user.pk, "username": "alice"}
    status = body["sales_status"]
    assert (status["state"], status["channel"]["code"]) == ("on_sale", "web")
    assert status["updated_by"] == {"id": user.pk, "username": "alice"}
    row = status_of(kind, body["id"])
    assert (row.state, row.channel_id, row.updated_by_id) == ("on_sale", web.pk, user.pk)


def test_create_without_state_is_a_draft_without_channel(api, kind):
    body = create(api, kind)
    assert body["sales_status"]["state"] == "draft"
    assert body["sales_status"]["channel"] is None


@pytest.mark.parametrize(
    ("data", "status", "mentions"),
    [
        ({"price": "abc"}, 400, "price"),
        ({"price": "-1"}, 400, "price"),
        ({"price": "NaN"}, 400, "price"),
        ({"price": "1e10"}, 400, "price"),
        ({"price": "9999999999.999"}, 400, "price"),
        ({"price": "1e100"}, 400, "price"),
        ({"price": None}, 400, "price"),
        ({"price": [1]}, 400, "price"),
        ({"title": ""}, 400, "title"),
        ({"title": "t" * 201}, 400, "title"),
        ({"title": "nul\x00byte"}, 400, "title"),
        ({"state": "lost"}, 400, "state"),
        ({"channel_id": "x"}, 400, "channel_id"),
        ({"channel_id": 404}, 400, "channel 404"),
        ({"channel": "closed"}, 409, "inactive"),
    ],
)
def test_create_bad_input_is_refused_and_creates_nothing(api, kind, closed, data, status, mentions):
    data = {"title": "Red one", "price": "100", **data}
    if data.pop("channel", None):
        data["channel_id"] = closed.pk
    response = post(api, f"{kind}-create", data)
    assert response.status_code == status, response.content
    assert mentions in response.json()["error"]
    assert not SALE_MODELS[kind].objects.exists()
    assert not SalesStatus.objects.exists()


@pytest.mark.parametrize("value", [-1, "many", 10**12, True])
def test_create_with_a_bad_extra_field_is_400(api, kind, value):
    extra, _ = EXTRA[kind]
    response = post(api, f"{kind}-create", {"title": "T", "price": "1", extra: value})
    assert response.status_code == 400, response.content
    assert extra in response.json()["error"]
    assert not SALE_MODELS[kind].objects.exists()


@pytest.mark.parametrize("raw", ["{oops", "[]", "3"])
def test_create_with_a_body_that_is_not_a_json_object_is_400(api, kind, raw):
    response = post(api, f"{kind}-create", raw=raw)
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_list_shows_statuses_and_pages(api, client, kind, web):
    ids = [
        create(api, kind, title=f"T{i}", state="on_sale", channel_id=web.pk)["id"] for i in range(3)
    ]
    SalesStatus.objects.filter(sale_kind=kind, sale_id=ids[2]).delete()

    def page(**query) -> list[dict]:
        response = client.get(reverse(f"{kind}-list"), query)
        assert response.status_code == 200, response.content
        return response.json()["sales"]

    sales = page()
    assert [s["id"] for s in sales] == ids
    assert [s["sales_status"] and s["sales_status"]["channel"]["code"] for s in sales] == [
        "web",
        "web",
        None,
    ]
    assert [s["id"] for s in page(page_size=2, page=2)] == ids[2:]
    assert page(page=5) == []


@pytest.mark.parametrize("query", [{"page": "one"}, {"page_size": 5000}, {"page": 10**20}])
def test_list_bad_page_is_400(client, kind, query):
    response = client.get(reverse(f"{kind}-list"), query)
    assert response.status_code == 400
    assert "page" in response.json()["error"]


def test_detail_and_404(api, client, kind):
    sale = create(api, kind)
    response = client.get(reverse(f"{kind}-detail", args=[sale["id"]]))
    assert response.status_code == 200
    assert response.json() == sale
    missing = client.get(reverse(f"{kind}-detail", args=[sale["id"] + 100]))
    assert missing.status_code == 404
    assert missing.json()["error"] == f"{kind} sale {sale['id'] + 100} does not exist"


def test_update_changes_the_sale_and_its_status(api, kind, web):
    sale = create(api, kind)
    response = post(
        api,
        f"{kind}-update",
        {"title": "Blue one", "price": "90.5", "state": "on_sale", "channel_id": web.pk},
        sale_id=sale["id"],
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["title"], body["price"]) == ("Blue one", "90.50")
    assert (body["sales_status"]["state"], body["sales_status"]["channel"]["code"]) == (
        "on_sale",
        "web",
    )
    assert status_of(kind, sale["id"]).state == "on_sale"
    assert SALE_MODELS[kind].objects.get(pk=sale["id"]).price == Decimal("90.50")


def test_the_price_of_a_sold_item_cannot_change(api, kind):
    sale = create(api, kind, state="sold")
    response = post(api, f"{kind}-update", {"price": "1.00", "title": "New"}, sale_id=sale["id"])
    assert response.status_code == 409
    assert "price" in response.json()["error"]
    row = SALE_MODELS[kind].objects.get(pk=sale["id"])
    assert (row.price, row.title) == (Decimal("100.00"), "Red one")
    same_price = post(api, f"{kind}-update", {"price": "100", "title": "New"}, sale_id=sale["id"])
    assert same_price.status_code == 200
    assert same_price.json()["title"] == "New"


def test_a_withdrawn_item_cannot_be_sold(api, kind):
    sale = create(api, kind, state="withdrawn")
    response = post(api, f"{kind}-update", {"state": "sold", "title": "New"}, sale_id=sale["id"])
    assert response.status_code == 409
    assert "withdrawn" in response.json()["error"]
    assert status_of(kind, sale["id"]).state == "withdrawn"
    assert SALE_MODELS[kind].objects.get(pk=sale["id"]).title == "Red one"


@pytest.mark.parametrize(
    ("data", "status"),
    [({"price": "x"}, 400), ({"title": " "}, 400), ({"state": "lost"}, 400), ({"channel": 1}, 409)],
)
def test_update_bad_input_is_refused_and_changes_nothing(api, kind, closed, data, status):
    sale, data = create(api, kind), dict(data)
    if data.pop("channel", None):
        data["channel_id"] = closed.pk
    response = post(api, f"{kind}-update", {"title": "Changed", **data}, sale_id=sale["id"])
    assert response.status_code == status, response.content
    assert SALE_MODELS[kind].objects.get(pk=sale["id"]).title == "Red one"
    assert status_of(kind, sale["id"]).channel_id is None


def test_update_and_delete_of_an_unknown_sale_are_404(api, kind):
    assert post(api, f"{kind}-update", {"title": "X"}, sale_id=7).status_code == 404
    assert post(api, f"{kind}-delete", sale_id=7).status_code == 404


def test_delete_removes_the_sale_and_its_status(api, kind):
    sale, other = create(api, kind), create(api, kind)
    response = post(api, f"{kind}-delete", sale_id=sale["id"])
    assert response.status_code == 200
    assert response.json() == {"deleted": sale["id"]}
    assert not SALE_MODELS[kind].objects.filter(pk=sale["id"]).exists()
    assert status_of(kind, sale["id"]) is None
    assert status_of(kind, other["id"]) is not None


def test_a_sale_without_status_can_still_be_edited(api, kind):
    sale = create(api, kind)
    SalesStatus.objects.all().delete()
    response = post(api, f"{kind}-update", {"title": "Kept", "price": "5"}, sale_id=sale["id"])
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["sales_status"]) == ("Kept", None)
    response = post(api, f"{kind}-update", {"state": "on_sale"}, sale_id=sale["id"])
    assert response.status_code == 404
    assert "no sales status" in response.json()["error"]


def test_a_sale_without_status_can_still_be_deleted(api, kind):
    sale = create(api, kind)
    SalesStatus.objects.all().delete()
    assert post(api, f"{kind}-delete", sale_id=sale["id"]).status_code == 200
    assert not SALE_MODELS[kind].objects.exists()


@pytest.mark.parametrize("action", ["create", "update", "delete"])
def test_writes_without_auth_are_401_and_change_nothing(api, client, kind, action):
    sale = create(api, kind)
    del client.defaults["HTTP_AUTHORIZATION"]
    kwargs = {} if action == "create" else {"sale_id": sale["id"]}
    response = post(client, f"{kind}-{action}", {"title": "X", "price": "1"}, **kwargs)
    assert response.status_code == 401
    assert SALE_MODELS[kind].objects.get().title == "Red one"
    assert SalesStatus.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "action"),
    [
        ("post", "list"),
        ("post", "detail"),
        ("get", "create"),
        ("get", "update"),
        ("delete", "delete"),
    ],
)
def test_wrong_method_is_405(api, kind, method, action):
    kwargs = {"sale_id": 1} if action in ("detail", "update", "delete") else {}
    response = getattr(api, method)(reverse(f"{kind}-{action}", kwargs=kwargs))
    assert response.status_code == 405
    assert response["Allow"] in ("GET", "POST")
    assert response["Allow"] in response.json()["error"]


def test_cars_csv_reports_state_and_channel_through_the_model_relation(api, client, web):
    sold = create(api, "car", title="Roadster", price="999.99", state="on_sale", channel_id=web.pk)
    draft = create(api, "car", title="Estate")
    bare = create(api, "car", title="No status")
    SalesStatus.objects.filter(sale_kind="car", sale_id=bare["id"]).delete()
    create(api, "bike", title="Not a car")

    response = client.get(reverse("report-cars-csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv"
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows == [
        ["id", "title", "price", "state", "channel"],
        [str(sold["id"]), "Roadster", "999.99", "on_sale", "web"],
        [str(draft["id"]), "Estate", "100.00", "draft", ""],
        [str(bare["id"]), "No status", "100.00", "", ""],
    ]
    second_page = client.get(reverse("report-cars-csv"), {"page": 2, "page_size": 2})
    lines = b"".join(second_page.streaming_content).decode().splitlines()
    assert lines[1:] == [f"{bare['id']},No status,100.00,,"]
    assert client.get(reverse("report-cars-csv"), {"page": 0}).status_code == 400


def test_unknown_url_is_404(client):
    assert client.get("/api/boats/").status_code == 404
