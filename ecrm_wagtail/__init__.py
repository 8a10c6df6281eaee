"""django-ecrm for Wagtail: help center pages and StreamField blocks."""
