"""django-ecrm's pages in Oscar's dashboard: customers, the 360° view, segments."""
