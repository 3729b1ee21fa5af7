"""The service registry: which domain services this site runs, and whether core routes to them."""
