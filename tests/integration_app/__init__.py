"""A tiny app used only by the tests: a row written by a Celery task proves the task ran."""
