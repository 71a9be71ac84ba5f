"""Names that reach SQL, AWS resource names or file paths: validated here, quoted on use.

Redshift identifiers are 1-127 bytes and start with a letter or underscore
(https://docs.aws.amazon.com/redshift/latest/dg/r_names.html). We accept a stricter
subset that is valid on both backends: lowercase ASCII letters, digits and underscores,
at most 63 bytes (PostgreSQL's NAMEDATALEN limit, for the local fleet). Identifiers are
still always double-quoted in generated SQL; the rule keeps out anything that quoting
would have to escape.
"""

from __future__ import annotations

import re

IDENTIFIER_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
IDENTIFIER_RULE = (
    "must be 1-63 characters of lowercase letters, digits and underscores, "
    "starting with a letter or underscore"
)

# Consumer names become AWS resource names (<project>-<env>-<name>), HAProxy server
# names and PostgreSQL cluster_name: lowercase letters, digits and hyphens.
CONSUMER_NAME_RE = re.compile(r"^[a-z]([a-z0-9-]{0,18}[a-z0-9])?$")
CONSUMER_NAME_RULE = (
    "must be 1-20 characters of lowercase letters, digits and hyphens, "
    "starting with a letter and not ending with a hyphen"
)

# "producer" would give a consumer the producer's AWS names (<project>-<env>-producer), its
# node in the local fleet's state and its key in `rsfleet cost --hours producer=H`; "lb" is
# what the local fleet and its commands call the load balancer (`connect_kwargs("lb")`).
RESERVED_CONSUMER_NAMES = {"producer": "the producer workgroup", "lb": "the load balancer"}

PROJECT_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,18}[a-z0-9]$")
ENVIRONMENT_RE = re.compile(r"^[a-z][a-z0-9-]{0,14}[a-z0-9]$")

# Namespace ids are GUIDs (the GRANT ... TO NAMESPACE '<guid>' argument).
NAMESPACE_ID_RE = re.compile(
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
)


def is_identifier(name: str) -> bool:
    return bool(IDENTIFIER_RE.fullmatch(name))


def check_identifier(name: str, what: str = "identifier") -> str:
    if not isinstance(name, str) or not is_identifier(name):
        raise ValueError(f"{what} {name!r} {IDENTIFIER_RULE}")
    return name


def quote_ident(name: str) -> str:
    """Double-quote a validated identifier. Raises ValueError for anything else."""
    return '"' + check_identifier(name) + '"'


def check_namespace_id(value: str) -> str:
    if not isinstance(value, str) or not NAMESPACE_ID_RE.fullmatch(value):
        raise ValueError(f"namespace id {value!r} is not a namespace GUID (8-4-4-4-12 hex digits)")
    return value


def quote_literal_namespace(value: str) -> str:
    """A validated namespace GUID as an SQL string literal."""
    return "'" + check_namespace_id(value) + "'"


# Names the local fleet's PostgreSQL (and Redshift) keep for themselves: a schema named so
# cannot be created or shared ("Schema names beginning with pg_ are reserved for system
# purposes", https://www.postgresql.org/docs/current/ddl-schemas.html), and these databases
# are the server's own (template0/template1 are CREATE DATABASE's templates, postgres is
# where rsfleet's admin connects).
RESERVED_SCHEMAS = ("information_schema",)
RESERVED_SCHEMA_PREFIX = "pg_"
RESERVED_DATABASES = ("postgres", "template0", "template1")


def check_schema(name: str) -> str:
    check_identifier(name, "schema")
    if name in RESERVED_SCHEMAS or name.startswith(RESERVED_SCHEMA_PREFIX):
        raise ValueError(f"schema {name!r} is reserved (pg_* and information_schema are "
                         "system schemas): share a schema of your own")
    return name


def check_database(name: str, what: str = "database") -> str:
    check_identifier(name, what)
    if name in RESERVED_DATABASES:
        raise ValueError(f"{what} {name!r} is reserved ({', '.join(RESERVED_DATABASES)} "
                         "belong to the server): pick another name")
    return name
