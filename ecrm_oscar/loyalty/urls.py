"""Loyalty endpoints, included by ``ecrm_oscar.urls`` under ``ecrm/loyalty/``."""

from django.urls import path

from ecrm_oscar.loyalty import views

urlpatterns = [
    path("r/<str:code>/", views.referral_link, name="loyalty-referral"),
]
