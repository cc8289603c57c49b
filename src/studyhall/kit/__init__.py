"""Shared machinery that knows no domain: database, errors, pagination, clock, security, logs."""
