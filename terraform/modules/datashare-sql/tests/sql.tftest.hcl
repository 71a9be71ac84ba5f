# The rendered SQL for a small fleet, byte for byte (docs/CONTRACTS.md §4).
# Run: terraform -chdir=terraform/modules/datashare-sql test

variables {
  producer_namespace_id = "00000000-0000-4000-8000-000000000000"
  consumer_namespace_ids = {
    c1 = "11111111-1111-4111-8111-111111111111"
    c2 = "22222222-2222-4222-8222-222222222222"
  }
}

run "schema_and_table_outside_it" {
  command = apply

  variables {
    datashares = {
      sales_share = {
        schemas           = ["sales"]
        tables            = ["finance.revenue", "finance.costs"]
        consumer_database = "sales_db"
      }
      ops_share = {
        schemas   = ["ops"]
        consumers = ["c2"]
      }
    }
  }

  assert {
    condition     = output.sql == <<-EOT
      -- on producer
      CREATE DATASHARE "ops_share";
      ALTER DATASHARE "ops_share" ADD SCHEMA "ops";
      ALTER DATASHARE "ops_share" ADD ALL TABLES IN SCHEMA "ops";
      ALTER DATASHARE "ops_share" SET INCLUDENEW = TRUE FOR SCHEMA "ops";
      GRANT USAGE ON DATASHARE "ops_share" TO NAMESPACE '22222222-2222-4222-8222-222222222222';
      CREATE DATASHARE "sales_share";
      ALTER DATASHARE "sales_share" ADD SCHEMA "sales";
      ALTER DATASHARE "sales_share" ADD ALL TABLES IN SCHEMA "sales";
      ALTER DATASHARE "sales_share" SET INCLUDENEW = TRUE FOR SCHEMA "sales";
      ALTER DATASHARE "sales_share" ADD SCHEMA "finance";
      ALTER DATASHARE "sales_share" ADD TABLE "finance"."revenue";
      ALTER DATASHARE "sales_share" ADD TABLE "finance"."costs";
      GRANT USAGE ON DATASHARE "sales_share" TO NAMESPACE '11111111-1111-4111-8111-111111111111';
      GRANT USAGE ON DATASHARE "sales_share" TO NAMESPACE '22222222-2222-4222-8222-222222222222';
      -- on consumer c1
      CREATE DATABASE "sales_db" FROM DATASHARE "sales_share" OF NAMESPACE '00000000-0000-4000-8000-000000000000';
      -- on consumer c2
      CREATE DATABASE "ops_share_db" FROM DATASHARE "ops_share" OF NAMESPACE '00000000-0000-4000-8000-000000000000';
      CREATE DATABASE "sales_db" FROM DATASHARE "sales_share" OF NAMESPACE '00000000-0000-4000-8000-000000000000';
    EOT
    error_message = "SQL differs from the contract format:\n${output.sql}"
  }
}

run "no_datashares_no_sql" {
  command = apply

  variables {
    datashares = {}
  }

  assert {
    condition     = output.sql == ""
    error_message = "no datashares must render an empty string"
  }
}

run "bad_identifier_rejected" {
  command = plan

  variables {
    datashares = { s = { schemas = ["Sales; DROP TABLE x"] } }
  }

  expect_failures = [var.datashares]
}

run "bad_namespace_id_rejected" {
  command = plan

  variables {
    datashares            = {}
    producer_namespace_id = "not-a-guid"
  }

  expect_failures = [var.producer_namespace_id]
}
