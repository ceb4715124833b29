from django.apps import AppConfig


class SalesServiceConfig(AppConfig):
    name = "carved_service.sales"
    label = "sales_service"
    default_auto_field = "django.db.models.BigAutoField"
