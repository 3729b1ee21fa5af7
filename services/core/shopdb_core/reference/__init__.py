"""Reference data: asset types, statuses, relationship types, vendors and models."""
