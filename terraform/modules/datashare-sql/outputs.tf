output "sql" {
  description = "The data sharing SQL (docs/CONTRACTS.md §4): producer block, then one block per consumer; lines joined by \"\\n\" with a final \"\\n\"."
  value       = local.sql
}

output "statements_by_target" {
  description = "The same statements grouped by where they run: \"producer\" and \"consumer <name>\"."
  value = merge(
    length(local.share_names) == 0 ? {} : { producer = flatten([for s in local.share_names : local.producer_lines[s]]) },
    {
      for c in local.consumer_names : "consumer ${c}" => [
        for s in local.consumer_shares[c] :
        "CREATE DATABASE \"${local.share_database[s]}\" FROM DATASHARE \"${s}\" OF NAMESPACE '${var.producer_namespace_id}';"
      ] if length(local.consumer_shares[c]) > 0
    },
  )
}
