"""Static checks of terraform/ read as data (no terraform binary): the defects a real account
found that `terraform validate` and mocked `terraform test` runs cannot show."""

from __future__ import annotations

from .hclread import blocks
from .tfharness import TERRAFORM_DIR

MODULES = TERRAFORM_DIR / "modules"


def test_workgroup_config_parameters_are_ignored_after_creation():
    """Provider 5.100.0 rejects enable_large_strings_opt_in, which the API returns: a declared
    config_parameter set diffs forever and the next apply fails (provider issue #49939).
    rsfleet enforces the parameters instead (src/rsfleet/workgroups)."""
    wg = blocks(MODULES / "serverless-workgroup", "resource")[
        ("aws_redshiftserverless_workgroup", "this")]
    ignored = [x for lc in wg.get("lifecycle", []) for x in lc.get("ignore_changes", [])]
    assert "${config_parameter}" in ignored or "config_parameter" in ignored, ignored


def _all_resources():
    dirs = [TERRAFORM_DIR, *sorted(p for p in MODULES.iterdir() if p.is_dir()),
            TERRAFORM_DIR / "test-instance", TERRAFORM_DIR / "backend-setup"]
    for d in dirs:
        for (rtype, name), body in blocks(d, "resource").items():
            yield d.name, rtype, name, body


def test_create_before_destroy_never_with_a_fixed_name():
    """A replacement creates the new object first: with a fixed `name` AWS refuses the
    duplicate (the NLB target group had create_before_destroy and a fixed name)."""
    bad = []
    for where, rtype, name, body in _all_resources():
        cbd = any(lc.get("create_before_destroy") for lc in body.get("lifecycle", []))
        if cbd and "name" in body:
            bad.append(f"{where}: {rtype}.{name}")
    assert not bad, bad


def test_no_tls_listener_on_the_nlb():
    """PostgreSQL clients start with an SSLRequest, which a TLS listener cannot answer."""
    listeners = [(w, n, b) for w, t, n, b in _all_resources() if t == "aws_lb_listener"]
    assert listeners
    assert all(b.get("protocol") == "TCP" for _, _, b in listeners), listeners


def test_interface_endpoints_use_private_dns():
    """Without private DNS the SDKs on the test instance resolve the public service names
    and, with no NAT, cannot reach them."""
    eps = [b for _, t, _, b in _all_resources()
           if t == "aws_vpc_endpoint" and b.get("vpc_endpoint_type") == "Interface"]
    assert eps and all(b.get("private_dns_enabled") is True for b in eps)


def test_fleet_key_lets_cloudwatch_logs_encrypt_the_audit_groups():
    """The audit log groups use the fleet's key (modules/producer); without a key-policy
    statement for logs.<region>.amazonaws.com, creating an encrypted group fails."""
    doc = blocks(MODULES / "producer", "data")[("aws_iam_policy_document", "kms")]
    stmts = doc["statement"]
    logs = [s for s in stmts if any("logs." in str(p.get("identifiers"))
                                    for p in s.get("principals", []))]
    assert logs, stmts
    cond = logs[0]["condition"][0]
    assert cond["variable"] == "kms:EncryptionContext:aws:logs:arn"
    assert "log-group:/aws/redshift/*" in str(cond["values"])


def test_no_secret_value_in_terraform_state():
    """Secrets are created without a value (the probe login's password is written by
    `rsfleet share apply`): an aws_secretsmanager_secret_version would put it in state."""
    versions = [f"{where}: {name}" for where, rtype, name, _ in _all_resources()
                if rtype == "aws_secretsmanager_secret_version"]
    assert not versions, versions
    probe = blocks(MODULES / "controller", "resource")[("aws_secretsmanager_secret", "probe")]
    assert "kms_key_id" in probe and "tags" in probe
