"""People's consent to appear in photos, and the verdict on every photo for every use."""
