"""`rsfleet loadtest`: sessions through the load balancer, statistics, a report.

- model.py   the versioned result schema (pydantic), written by `--json PATH`
- stats.py   pure statistics over the recorded queries and connections
- queries.py the built-in query mix (discovered from the catalog) and `--query-file`
- target.py  where to connect (local fleet / Terraform outputs / overrides)
- faults.py  `--kill NAME@10s` and `--drain NAME@10s`
- runner.py  the engine that opens the sessions and records every query
- report.py  report.png (matplotlib, Agg) and report.html
- remote.py  `--via-test-instance`: the same command over SSM on the test instance
"""
