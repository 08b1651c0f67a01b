"""The usage history: `history` records every month ECL reports, `report` reads the months back
merged with ECL's live ones. Beside the tenancy core, below the page and API layers."""
