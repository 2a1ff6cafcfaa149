"""Minsheng service assembly: settings, app factory, CLI, channels, storage and services."""
