"""The targets controller as a service: the same `sync_once` loop in AWS Lambda
(``handler``) and beside the local fleet (``local``).

- config.py   the controller's settings from environment variables (pydantic at the edge)
- loop.py     passes every interval until a deadline (the Lambda's timeout minus a margin)
- metrics.py  one JSON log line per action; CloudWatch Embedded Metric Format per pass
- handler.py  the Lambda entry point: builds the AWS targets context, runs the loop
- local.py    the supervised background process `rsfleet local up` starts
- artifact.py the deterministic Lambda zip (`make artifact`)
"""
