"""Signals of the tracking app.

``events_recorded(sender=Event, events=[...])`` is sent after events were written (once
per request, task or ``capture.batch()`` block), with the saved ``Event`` rows. Other
apps use it to react to behaviour without a query (segment membership, for example);
receivers should be quick and enqueue anything heavy with ``enqueue_on_commit``. It is
sent with ``send_robust``: a failing receiver is logged, never raised.
"""

from django.dispatch import Signal

events_recorded = Signal()
