from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo shop's own Wagtail page types and its data loader (ecrm_load_demo)."""

    name = "sandbox.demo"
    label = "demo"
    verbose_name = "Demo shop"
    default_auto_field = "django.db.models.BigAutoField"
