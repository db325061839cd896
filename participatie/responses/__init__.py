"""Official responses of the province to contributions, and the "Mijn inbreng" page."""
