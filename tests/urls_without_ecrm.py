"""A URLconf that forgot django-ecrm's URLs (for the ecrm.E003 check test)."""

from django.contrib import admin
from django.urls import path

urlpatterns = [path("admin/", admin.site.urls)]
