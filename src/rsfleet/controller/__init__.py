"""The targets controller as a service: one loop of `Controller.run_pass` in AWS Lambda
(``handler``), beside the local fleet (``rsfleet.controller.local``) and in `targets watch`.

- config.py   the controller's settings from environment variables (pydantic at the edge)
- loop.py     passes every interval until a deadline (the Lambda's timeout minus a margin)
              or a stop (SIGTERM: the local controller, `targets watch`)
- service.py  one reported pass: JSON action lines, the pass sentence, EMF, last-pass record
- metrics.py  one JSON log line per action; CloudWatch Embedded Metric Format per pass
- handler.py  the Lambda entry point: builds the AWS targets context, runs the loop
- local.py    the supervised background process `rsfleet local up` starts
- artifact.py the deterministic Lambda zip (`make artifact`)
"""
