"""rsfleet: read scaling for Amazon Redshift Serverless, and a local fleet with the same shape."""

__version__ = "0.1.0"
