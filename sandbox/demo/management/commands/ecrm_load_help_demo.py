"""``manage.py ecrm_load_help_demo``: the demo help center's articles (idempotent)."""

from django.core.management.base import BaseCommand, CommandError

from sandbox.demo.help_demo import load_help_demo


class Command(BaseCommand):
    help = (
        "Create the demo help center articles (English, plus Persian and Thai when Wagtail's "
        "i18n is on) under the existing help center. A second run creates nothing."
    )

    def handle(self, *args, **options) -> None:
        from ecrm_wagtail.helpcenter.models import HelpCenterPage

        if not HelpCenterPage.objects.exists():
            raise CommandError("No help center page: run ecrm_load_demo first.")
        created = load_help_demo()
        if not any(created.values()):
            self.stdout.write("Help center demo content: nothing to do.")
            return
        parts = ", ".join(f"{n} {what}" for what, n in sorted(created.items()) if n)
        self.stdout.write(f"Help center demo content created: {parts}.")
