"""Export: web-ready images and a static gallery, with consent as the gate."""
