"""Create the default automation flows and their email templates (idempotent)."""

from django.core.management.base import BaseCommand

from ecrm_oscar.automation.abstract_models import FlowKind
from ecrm_oscar.automation.defaults import ensure_defaults
from ecrm_oscar.automation.models import Flow


class Command(BaseCommand):
    help = (
        "Create the default marketing automation flows (switched off) and their Oscar "
        "email templates. Running it again changes nothing the owner edited."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--enable",
            action="store_true",
            help="Switch every flow on (for the demo shop).",
        )

    def handle(self, *args, **options):
        created = ensure_defaults()
        if options["enable"]:
            Flow.objects.filter(kind__in=FlowKind.values).update(enabled=True)
        self.stdout.write(
            "Automation: {flows} flows, {steps} steps and {templates} email templates "
            "created{enabled}.".format(
                **created, enabled="; all flows switched on" if options["enable"] else ""
            )
        )
