from django.urls import path

from ecrm_oscar.recommendations import views

urlpatterns = [
    path(
        "ecrm/recommendations/<slug:placement>/",
        views.fragment,
        name="recommendations-fragment",
    ),
]
