"""Locations: the site tree (site > building > area > cell, as deep as needed)."""
