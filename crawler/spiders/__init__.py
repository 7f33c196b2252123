"""Portal spiders: one module per portal, grouped by province."""
