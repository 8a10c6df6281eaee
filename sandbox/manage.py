#!/usr/bin/env python
"""Run the demo shop's management commands: python sandbox/manage.py <command>."""

import os
import sys
from pathlib import Path


def main() -> None:
    # Run from the repository root's view: sandbox/ itself must not shadow packages
    # (sandbox/celery.py would hide the celery library).
    sys.path[0] = str(Path(__file__).resolve().parent.parent)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # A bad environment variable: one clear line, not a traceback.
        sys.stderr.write(f"Configuration error: {exc}\n")
        sys.exit(2)
    except Exception as exc:
        from django.db.utils import OperationalError

        if isinstance(exc, OperationalError):
            sys.stderr.write(
                f"Database unavailable: {exc}".rstrip()
                + "\nCheck DATABASE_URL (see README, 'Configuration').\n"
            )
            sys.exit(2)
        raise


if __name__ == "__main__":
    main()
