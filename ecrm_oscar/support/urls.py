"""Shopper URLs, included by ``ecrm_oscar.urls`` under the ``ecrm`` namespace."""

from django.urls import path

from ecrm_oscar.support import views

urlpatterns = [
    path("ecrm/support/", views.case_list, name="support-list"),
    path("ecrm/support/new/", views.case_new, name="support-new"),
    path("ecrm/support/<str:number>/", views.case_detail, name="support-detail"),
]
