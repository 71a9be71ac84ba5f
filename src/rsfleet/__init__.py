"""rsfleet: read scaling for Amazon Redshift Serverless, with a local fleet that runs the same topology."""

__version__ = "0.1.0"
