from django.apps import AppConfig


class StranglerConfig(AppConfig):
    name = "strangler"
    verbose_name = "Strangler: carve-out control"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from strangler.routing import outside, table

        table.connect_signals()
        outside.connect_signals()  # changes made outside strangler are audited too
