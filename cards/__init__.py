"""Built-in run cards (TOML), shipped as package data: ``darkstrahl cards`` lists them."""
