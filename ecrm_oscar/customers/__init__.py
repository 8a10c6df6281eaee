"""Customer profiles (orders, RFM, CLV, next purchase) and segments, computed by Celery."""
