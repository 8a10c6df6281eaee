from django.db import models


class TaskEffect(models.Model):
    """Written by ``record_effect``; its presence shows a task ran and where."""

    label = models.CharField(max_length=100, unique=True)
    worker_pid = models.IntegerField()
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.label} (pid {self.worker_pid})"
