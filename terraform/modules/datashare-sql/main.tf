# Renders the SQL that sets up the datashares of a fresh fleet, in exactly the format of
# docs/CONTRACTS.md §4 (the same text as `rsfleet share sql`). No resources: pure locals.
#
# Statements: https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_DATASHARE.html,
# https://docs.aws.amazon.com/redshift/latest/dg/r_ALTER_DATASHARE.html,
# https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html (USAGE ON DATASHARE ... TO NAMESPACE),
# https://docs.aws.amazon.com/redshift/latest/dg/r_CREATE_DATABASE.html (FROM DATASHARE ... OF NAMESPACE).
# Identifiers are validated (lowercase identifier rule) and always double-quoted.

locals {
  share_names    = sort(keys(var.datashares))
  consumer_names = sort(keys(var.consumer_namespace_ids))

  # Consumers each share goes to, sorted; "*" = every consumer.
  share_consumers = {
    for s in local.share_names : s => (
      contains(var.datashares[s].consumers, "*")
      ? local.consumer_names
      : sort(distinct(var.datashares[s].consumers))
    )
  }

  share_database = {
    for s in local.share_names : s => coalesce(var.datashares[s].consumer_database, "${s}_db")
  }

  producer_lines = {
    for s in local.share_names : s => concat(
      ["CREATE DATASHARE \"${s}\";"],
      flatten([
        for schema in var.datashares[s].schemas : [
          "ALTER DATASHARE \"${s}\" ADD SCHEMA \"${schema}\";",
          "ALTER DATASHARE \"${s}\" ADD ALL TABLES IN SCHEMA \"${schema}\";",
          "ALTER DATASHARE \"${s}\" SET INCLUDENEW = TRUE FOR SCHEMA \"${schema}\";",
        ]
      ]),
      flatten([
        for i, t in var.datashares[s].tables : concat(
          # ADD SCHEMA only when neither the schema list nor an earlier table added it.
          (
            contains(var.datashares[s].schemas, split(".", t)[0]) ||
            contains([for u in slice(var.datashares[s].tables, 0, i) : split(".", u)[0]], split(".", t)[0])
          ) ? [] : ["ALTER DATASHARE \"${s}\" ADD SCHEMA \"${split(".", t)[0]}\";"],
          ["ALTER DATASHARE \"${s}\" ADD TABLE \"${split(".", t)[0]}\".\"${split(".", t)[1]}\";"],
        )
      ]),
      [for c in local.share_consumers[s] : "GRANT USAGE ON DATASHARE \"${s}\" TO NAMESPACE '${var.consumer_namespace_ids[c]}';"],
    )
  }

  consumer_shares = {
    for c in local.consumer_names : c => [for s in local.share_names : s if contains(local.share_consumers[s], c)]
  }

  consumer_lines = flatten([
    for c in local.consumer_names : length(local.consumer_shares[c]) == 0 ? [] : concat(
      ["-- on consumer ${c}"],
      [
        for s in local.consumer_shares[c] :
        "CREATE DATABASE \"${local.share_database[s]}\" FROM DATASHARE \"${s}\" OF NAMESPACE '${var.producer_namespace_id}';"
      ],
    )
  ])

  lines = length(local.share_names) == 0 ? [] : concat(
    ["-- on producer"],
    flatten([for s in local.share_names : local.producer_lines[s]]),
    local.consumer_lines,
  )

  sql = length(local.lines) == 0 ? "" : "${join("\n", local.lines)}\n"
}
