"""Organisations, memberships, roles and permissions, invitations and API keys."""
