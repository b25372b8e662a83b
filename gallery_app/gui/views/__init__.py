"""Views and delegates: painting only, no catalog access."""
