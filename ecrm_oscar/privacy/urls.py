"""The shopper's privacy pages, included by ``ecrm_oscar.urls`` under ``ecrm/privacy/``."""

from django.urls import path

from ecrm_oscar.privacy import views

urlpatterns = [
    path("", views.my_data, name="privacy-account"),
    path("download/", views.download, name="privacy-download"),
]
