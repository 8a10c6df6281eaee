"""Run marketing automation's time-based checks now and queue the due sends.

For demos and operators: what Celery beat does on its schedule (the scans of abandoned
baskets, browse abandonment, birthdays and win-back, then ``send_due``), at once, for
some or all flows. ``--advance HOURS`` acts as if that many hours had passed, so a demo
need not wait four hours for the first basket reminder: the scans, the due times, the
frequency cap and quiet hours are all judged at that later time, so the command sends
what the scheduled worker would send then, no more.

The checks run in this process (they report how many messages they created); the sends
go through Celery (``ecrm.automation.send_due``): with a broker the worker sends them,
without one (tasks inline) this process does.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from celery import current_app
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from ecrm_oscar.automation import services, tasks
from ecrm_oscar.automation.abstract_models import FlowKind
from ecrm_oscar.automation.models import Flow, Message
from ecrm_oscar.core.tasks import enqueue

#: The flows with a time-based check, and the check (each takes the time to act at).
SCANS = {
    FlowKind.ABANDONED_BASKET.value: lambda now: services.scan_abandoned_baskets(now),
    FlowKind.BROWSE_ABANDONMENT.value: lambda now: services.scan_browse_abandonment(now),
    FlowKind.BIRTHDAY.value: lambda now: services.scan_birthdays(timezone.localdate(now)),
    FlowKind.WIN_BACK.value: lambda now: services.scan_win_back(now),
}


class Command(BaseCommand):
    help = (
        "Run the time-based automation checks now (abandoned baskets, browse abandonment, "
        "birthdays, win-back) and queue the due emails through Celery."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--flow",
            action="append",
            dest="flows",
            metavar="KIND",
            help=(
                "Only this flow (repeatable): "
                + ", ".join(FlowKind.values)
                + ". Welcome series and survey have no check (a registration or an order "
                "status triggers them): for them only their due emails are queued. "
                "Default: every flow."
            ),
        )
        parser.add_argument(
            "--advance",
            type=float,
            default=0.0,
            metavar="HOURS",
            help=(
                "Act as if HOURS had passed (checks, due times, frequency cap and quiet "
                "hours are judged then). For demos and tests."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = self._kinds(options["flows"])
        hours = options["advance"]
        if hours != hours or hours < 0 or hours == float("inf"):  # NaN, negative, infinite
            raise CommandError(f"--advance takes a number of hours ≥ 0, not {hours!r}.")
        if not services.automation_enabled():
            raise CommandError(
                "Automation is switched off (ECRM_AUTOMATION_ENABLED or the owner's switch "
                "in the eCRM dashboard): nothing was checked or sent."
            )
        try:
            now = timezone.now() + timedelta(hours=hours)
        except OverflowError as exc:
            raise CommandError(f"--advance {hours:g} hours is too far in the future.") from exc
        shown = timezone.localtime(now)
        self.stdout.write(
            f"Acting at {shown:%Y-%m-%d %H:%M %Z}"
            + (f" ({hours:g} h ahead)" if hours else "")
            + "."
        )
        states = dict(Flow.objects.values_list("kind", "enabled"))
        paused = set(Flow.objects.filter(paused_at__isnull=False).values_list("kind", flat=True))
        active = []
        for kind in kinds:
            label = FlowKind(kind).label
            if not states.get(kind):
                self.stdout.write(f"  {label}: switched off (or not set up), skipped.")
            elif kind in paused:
                self.stdout.write(f"  {label}: paused by a template error (see the dashboard).")
            else:
                active.append(kind)
                if kind not in SCANS:
                    self.stdout.write(
                        f"  {label}: no check (an event triggers it), due emails only."
                    )
                else:
                    # Counted here: the scans' own return values differ (new rows, or
                    # every row offered, existing ones included).
                    messages = Message.objects.filter(flow__kind=kind)
                    before = messages.count()
                    SCANS[kind](now)
                    self.stdout.write(
                        f"  {label}: checked, {messages.count() - before} new message(s)."
                    )
        self._queue_sends(now, hours, active)

    def _kinds(self, flows: list[str] | None) -> list[str]:
        if not flows:
            return list(FlowKind.values)
        unknown = [kind for kind in flows if kind not in FlowKind.values]
        if unknown:
            raise CommandError(
                f"Unknown flow {', '.join(map(repr, unknown))}; "
                f"choose from {', '.join(FlowKind.values)}."
            )
        return list(dict.fromkeys(flows))

    def _queue_sends(self, now: datetime, hours: float, kinds: list[str]) -> None:
        if not kinds:
            self.stdout.write("No active flow among those asked for: nothing to send.")
            return
        due = 0
        page = services.due_message_ids(now, kinds=kinds)
        while page:
            due += len(page)
            page = services.due_message_ids(now, after=page[-1], kinds=kinds)
        quiet = services.quiet_until(now)
        if quiet is not None and due:
            self.stdout.write(
                f"Quiet hours at {timezone.localtime(now):%H:%M}: the due emails will be "
                f"postponed to {quiet:%Y-%m-%d %H:%M %Z} "
                "(run again with a larger --advance to go past them)."
            )
        if not enqueue(tasks.send_due, now.isoformat() if hours else None, kinds):
            raise CommandError(
                "The send task could not be queued (is the broker running?) or failed "
                "inline: see the log above."
            )
        where = (
            "sent in this process (no broker: tasks run inline)"
            if current_app.conf.task_always_eager
            else "queued for the worker (ecrm.automation.send_due)"
        )
        self.stdout.write(
            f"{due} due message(s) {where}; the frequency cap and consent are checked as "
            "each is sent (Dashboard → Automation → Message log shows the outcome)."
        )
