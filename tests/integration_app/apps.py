from django.apps import AppConfig


class IntegrationAppConfig(AppConfig):
    name = "tests.integration_app"
    label = "ecrm_test_integration"
    default_auto_field = "django.db.models.BigAutoField"
