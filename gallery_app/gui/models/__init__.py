"""Qt item models over core queries (ids from SQL, rows fetched on demand)."""
