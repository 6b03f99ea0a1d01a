"""Exchange between two central authorities: signed, encrypted packages (JOSE)."""
