from django.apps import AppConfig


class ServerConfig(AppConfig):
    """The service-side part of the toolkit: installed by carved services, not the monolith."""

    name = "strangler.server"
    label = "strangler_server"
    verbose_name = "Strangler: service side"
    default_auto_field = "django.db.models.BigAutoField"
