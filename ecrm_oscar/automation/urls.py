"""Shopper-facing automation URLs (included by ecrm_oscar.urls under ``ecrm/a/``)."""

from django.urls import path

from ecrm_oscar.automation import views

urlpatterns = [
    path("o/<str:token>.gif", views.open_pixel, name="automation-open"),
    path("c/<str:token>/", views.click, name="automation-click"),
    path("u/<str:token>/", views.unsubscribe, name="automation-unsubscribe"),
    path("preferences/", views.preferences, name="automation-preferences"),
    path("preferences/<str:token>/", views.preferences_token, name="automation-preferences-token"),
    path("s/<str:token>/", views.survey, name="automation-survey"),
    path("b/<str:token>/", views.restore_basket, name="automation-basket"),
]
