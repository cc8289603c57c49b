"""Operating the service: liveness, readiness and migrations."""
