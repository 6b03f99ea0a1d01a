"""Dual criminality: offence catalogues, the conduct-based check, recorded assessments."""
