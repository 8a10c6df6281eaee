"""Oscar dashboard pages of the recommendations: placements, exclusions, pins, analytics."""
