"""A stateful Amazon Redshift Serverless backend for moto (moto has none), laid out as moto's
own services are (models / responses / urls / exceptions). See ../README.md."""

from .models import redshiftserverless_backends

__all__ = ["redshiftserverless_backends"]
