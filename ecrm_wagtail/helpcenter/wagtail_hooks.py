"""Wagtail admin integration of the help center (product chooser; reports come later)."""

from wagtail import hooks

from ecrm_wagtail.helpcenter.choosers import product_chooser_viewset


@hooks.register("register_admin_viewset")
def register_product_chooser():
    return product_chooser_viewset
