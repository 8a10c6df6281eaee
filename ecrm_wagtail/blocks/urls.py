"""Endpoints of the personalisation blocks (included by ``ecrm_oscar.urls``)."""

from django.urls import path

from ecrm_wagtail.blocks import views

app_name = "blocks"

urlpatterns = [
    path("segment-content/", views.segment_content, name="segment-content"),
]
