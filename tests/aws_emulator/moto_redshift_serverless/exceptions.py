"""Errors of the redshift-serverless backend, named as the service model names them
(botocore/data/redshift-serverless/2021-04-21/service-2.json: ConflictException,
ResourceNotFoundException, ValidationException, ...). Messages the API is known to send are
quoted where a source says so; the others are this backend's own wording."""

from __future__ import annotations

from moto.core.exceptions import ServiceException


class ResourceNotFoundException(ServiceException):
    code = "ResourceNotFoundException"


class ConflictException(ServiceException):
    code = "ConflictException"


class ValidationException(ServiceException):
    code = "ValidationException"


class ServiceQuotaExceededException(ServiceException):
    code = "ServiceQuotaExceededException"


class InvalidPaginationException(ServiceException):
    code = "InvalidPaginationException"


class TooManyTagsException(ServiceException):
    code = "TooManyTagsException"
