"""Oscar dashboard pages for support cases (an ``OscarDashboardConfig`` sub-app)."""
