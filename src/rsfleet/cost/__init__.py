"""Cost model for Redshift Serverless fleets: prices as data, arithmetic in Decimal."""
