"""URLs of the example monolith. Every URL name is a controller that routing can switch."""

from django.contrib import admin
from django.urls import path

from monolith.catalog import views as catalog
from monolith.sales import views as channels
from strangler import views as strangler_views


def _sale_urls(kind: str, plural: str, views: dict) -> list:
    return [
        path(f"api/{plural}/", views["list"], name=f"{kind}-list"),
        path(f"api/{plural}/add/", views["create"], name=f"{kind}-create"),
        path(f"api/{plural}/<int:sale_id>/", views["detail"], name=f"{kind}-detail"),
        path(f"api/{plural}/<int:sale_id>/change/", views["update"], name=f"{kind}-update"),
        path(f"api/{plural}/<int:sale_id>/delete/", views["delete"], name=f"{kind}-delete"),
    ]


urlpatterns = [
    path("admin/", admin.site.urls),
    path("metrics", strangler_views.metrics, name="metrics"),
    path("api/channels/", channels.channel_list, name="channel-list"),
    path("api/channels/add/", channels.channel_create, name="channel-create"),
    path("api/channels/<int:channel_id>/", channels.channel_detail, name="channel-detail"),
    path("api/channels/<int:channel_id>/change/", channels.channel_update, name="channel-update"),
    path("api/channels/<int:channel_id>/delete/", channels.channel_delete, name="channel-delete"),
    *_sale_urls("car", "cars", catalog.car),
    *_sale_urls("bike", "bikes", catalog.bike),
    *_sale_urls("toy", "toys", catalog.toy),
    path("api/reports/cars.csv", catalog.cars_csv, name="report-cars-csv"),
]
