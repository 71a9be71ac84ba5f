"""One small module per external system (Terraform, PostgreSQL, HAProxy, AWS APIs)."""
