"""Wagtail StreamField blocks that personalise pages for segments and returning visitors."""
