"""The local fleet: PostgreSQL producer + consumers and HAProxy on this machine."""
