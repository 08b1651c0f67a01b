"""Page views of the portal, one module per area."""
