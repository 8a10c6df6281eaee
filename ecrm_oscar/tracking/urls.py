"""Endpoints of the tracking app, included by ``ecrm_oscar.urls`` (namespace ``ecrm``)."""

from django.urls import path

from ecrm_oscar.tracking import views

urlpatterns = [
    path("ecrm/t/", views.beacon, name="tracking-beacon"),
    path("ecrm/consent/", views.consent, name="tracking-consent"),
]
