"""Operating an instance: key rotation (`flask keys`) and backups (`flask backup`)."""
