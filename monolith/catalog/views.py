"""JSON controllers of car, bike and toy sales: one view per action and kind.

Each kind has its own controllers (``car_list``, ``bike_list``, ...) because routing
switches controllers one at a time, cars before bikes and toys.
"""

from __future__ import annotations

import csv
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse

from monolith.catalog import sales
from monolith.catalog.models import CarSale
from monolith.http import body, controller, ok, paging


def _controllers(kind: str) -> dict[str, Callable[..., HttpResponse]]:
    @controller("GET")
    def list_(request: HttpRequest) -> JsonResponse:
        offset, limit = paging(request)
        return ok(
            {
                "sales": [
                    v.as_json() for v in sales.list_sales(request, kind, offset=offset, limit=limit)
                ]
            }
        )

    @controller("GET")
    def detail(request: HttpRequest, sale_id: int) -> JsonResponse:
        return ok(sales.get_sale(request, kind, sale_id).as_json())

    @controller("POST", login=True)
    def create(request: HttpRequest) -> JsonResponse:
        return ok(
            sales.create_sale(request, kind, request.user.pk, body(request)).as_json(), status=201
        )

    @controller("POST", login=True)
    def update(request: HttpRequest, sale_id: int) -> JsonResponse:
        return ok(
            sales.update_sale(request, kind, sale_id, request.user.pk, body(request)).as_json()
        )

    @controller("POST", login=True)
    def delete(request: HttpRequest, sale_id: int) -> JsonResponse:
        sales.delete_sale(request, kind, sale_id)
        return ok({"deleted": sale_id})

    views = {"list": list_, "detail": detail, "create": create, "update": update, "delete": delete}
    for action, view in views.items():
        view.__name__ = view.__qualname__ = f"{kind}_{action}"
        view.__module__ = __name__
    return views


car = _controllers("car")
bike = _controllers("bike")
toy = _controllers("toy")


@controller("GET")
def cars_csv(request: HttpRequest) -> StreamingHttpResponse:
    """CSV export of car sales with their state and channel.

    It reaches the sales status through the model relation ``CarSale.sales_status``, not
    through a controller's use case: the kind of reference that outlives a carve-out.
    """
    offset, limit = paging(request, default_size=1000)

    def rows():
        yield ["id", "title", "price", "state", "channel"]
        for car_sale in CarSale.objects.order_by("id")[offset : offset + limit]:
            status = car_sale.sales_status
            channel = status.channel.code if status and status.channel else ""
            yield [
                car_sale.pk,
                car_sale.title,
                car_sale.price,
                status.state if status else "",
                channel,
            ]

    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(r) for r in rows()), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="cars.csv"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value
