"""Loyalty endpoints, included by ``ecrm_oscar.urls`` under ``ecrm/loyalty/``."""

from django.urls import path

from ecrm_oscar.loyalty import views

urlpatterns = [
    path("account/", views.account, name="loyalty-account"),
    path("badge/", views.badge, name="loyalty-badge"),
    path("widget/", views.widget, name="loyalty-widget"),
    path("redeem/", views.redeem, name="loyalty-redeem"),
    path("r/<str:code>/", views.referral_link, name="loyalty-referral"),
]
