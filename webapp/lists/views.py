"""Views: see below."""
