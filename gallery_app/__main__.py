"""Lets ``python -m gallery_app`` behave exactly like the ``gallery-app`` command."""

from gallery_app.launcher import main

raise SystemExit(main())
