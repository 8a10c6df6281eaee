"""Consent records, and the registry through which every ecrm app exports and erases a person."""
