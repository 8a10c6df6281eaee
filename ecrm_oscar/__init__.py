"""django-ecrm: eCRM apps for django-oscar shops.

Add the apps you want after Oscar's in INSTALLED_APPS (see README) and include
``ecrm_oscar.urls``. Each capability is its own Django app under this package.
"""

__version__ = "0.1.0.dev0"
