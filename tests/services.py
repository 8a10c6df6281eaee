"""Exit 0 when the PostgreSQL and Redis of the second test pass answer; else say which not.

Used by ``make test`` to decide on its PostgreSQL + Redis + worker pass.
"""

import socket
import sys
from urllib.parse import urlsplit


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def main() -> int:
    database_url, broker_url = sys.argv[1], sys.argv[2]
    missing = []
    if not reachable(database_url, 5432):
        missing.append(f"PostgreSQL at {urlsplit(database_url).netloc}")
    if not reachable(broker_url, 6379):
        missing.append(f"Redis at {urlsplit(broker_url).netloc}")
    for service in missing:
        print(f"{service} is not reachable.")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
