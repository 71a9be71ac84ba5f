variable "datashares" {
  description = "Datashares as in the root variable: name => {schemas, tables (\"schema.table\"), consumers (names or [\"*\"]), consumer_database (default \"<share>_db\")}."
  type = map(object({
    schemas           = optional(list(string), [])
    tables            = optional(list(string), [])
    consumers         = optional(list(string), ["*"])
    consumer_database = optional(string)
  }))
  default = {}

  validation {
    condition = alltrue(concat(
      [for name in keys(var.datashares) : can(regex("^[a-z_][a-z0-9_]{0,62}$", name))],
      flatten([for name, d in var.datashares : [for s in d.schemas : can(regex("^[a-z_][a-z0-9_]{0,62}$", s))]]),
      flatten([for name, d in var.datashares : [for t in d.tables : can(regex("^[a-z_][a-z0-9_]{0,62}\\.[a-z_][a-z0-9_]{0,62}$", t))]]),
      [for name, d in var.datashares : d.consumer_database == null ? true : can(regex("^[a-z_][a-z0-9_]{0,62}$", d.consumer_database))],
    ))
    error_message = "datashare names, schemas, consumer_database and both parts of \"schema.table\" must be identifiers: 1-63 characters of lowercase letters, digits and underscores, starting with a letter or underscore."
  }
}

variable "consumer_namespace_ids" {
  description = "Consumer name => namespace GUID. \"*\" in a datashare means every consumer in this map."
  type        = map(string)

  validation {
    condition     = alltrue([for id in values(var.consumer_namespace_ids) : can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", id))])
    error_message = "consumer_namespace_ids values must be namespace GUIDs (8-4-4-4-12 lowercase hex digits)."
  }
}

variable "producer_namespace_id" {
  description = "Producer namespace GUID."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.producer_namespace_id))
    error_message = "producer_namespace_id must be a namespace GUID (8-4-4-4-12 lowercase hex digits)."
  }
}
