"""Throttles: what keeps sign-in from being turned into a weapon (per-address and per-(account, address)
limits, counted in the database so every server process shares them) and the cap on concurrent Argon2 work."""
