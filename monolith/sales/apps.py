from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "monolith.sales"
    label = "sales"
    verbose_name = "Sales status and channels (being carved out)"
