"""The diagnose chain: ordered links, each broken one with the fix.

spec valid -> (aws) Terraform outputs -> DNS of the LB -> TCP to the LB -> TLS (certificate
against the CA, hostname) -> authentication through the LB -> each target's LB health and
rsfleet readiness -> (aws) security groups for 5439 and the health checks -> datashare
mounted and readable on each consumer.

`run_chain` stops at the first broken link (the later links are reported as skipped)
unless `keep_going`. Every link is a function of a `DiagContext`; AWS clients come from
`DiagContext.client(name)` so tests can hand in moto or Stubber-backed clients.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
import struct
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, overload

from rsfleet.diagnose.model import Check, DiagnoseReport
from rsfleet.errors import RsfleetError
from rsfleet.fleet import Fleet, Node
from rsfleet.fleet.outputs import FleetOutputs, NlbOutputs

SSL_REQUEST = struct.pack("!ii", 8, 80877103)  # PostgreSQL/Redshift SSLRequest packet
DEFAULT_TIMEOUT = 5.0

if TYPE_CHECKING:  # the boto3-stubs types: no import at run time
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.type_defs import IpPermissionOutputTypeDef
    from mypy_boto3_elbv2 import ElasticLoadBalancingv2Client
    from mypy_boto3_redshift_data import RedshiftDataAPIServiceClient
    from mypy_boto3_redshift_data.type_defs import SqlParameterTypeDef
    from mypy_boto3_redshift_serverless import RedshiftServerlessClient

    from rsfleet.spec.models import FleetSpec

AwsService = Literal["ec2", "elbv2", "redshift-data", "redshift-serverless"]


@dataclass
class DiagContext:
    backend: str
    env: str | None = None
    spec_path: Path | None = None
    state_dir: Path | None = None
    tf_outputs: Path | None = None
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password_secret_arn: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    clients: dict[str, Any] = field(default_factory=dict)  # injected boto3 clients
    # The local backend, from the command layer (diagnose never imports rsfleet.local):
    # opens the fleet of env/state_dir, and the options a fix repeats to reach it again.
    open_local: Callable[[], Fleet] | None = None
    local_args: str | None = None
    # filled in by the links
    spec: FleetSpec | None = None
    fleet: Fleet | None = None
    outputs: FleetOutputs = field(default_factory=FleetOutputs)
    password: str | None = None
    cafile: str | None = None
    dbname: str | None = None

    @overload
    def client(self, name: Literal["ec2"]) -> EC2Client: ...
    @overload
    def client(self, name: Literal["elbv2"]) -> ElasticLoadBalancingv2Client: ...
    @overload
    def client(self, name: Literal["redshift-data"]) -> RedshiftDataAPIServiceClient: ...
    @overload
    def client(self, name: Literal["redshift-serverless"]) -> RedshiftServerlessClient: ...

    def client(self, name: AwsService) -> Any:
        if name not in self.clients:
            import boto3

            region = self.outputs.region(self.spec)
            self.clients[name] = boto3.client(name, region_name=region)
        return self.clients[name]

    @property
    def fleet_spec(self) -> FleetSpec:
        """The spec the first link loaded (every later link runs only after it)."""
        if self.spec is None:
            raise RuntimeError("diagnose: a link ran before the spec link")
        return self.spec

    @property
    def fix_env(self) -> str:
        if self.backend == "local" and self.local_args:
            return self.local_args  # repeats a --state-dir the user gave
        return f"--env {self.env}" if self.env else "--env ENV"


def _ok(link: str, name: str, detail: str = "") -> Check:
    return Check(link=link, name=name, status="ok", detail=detail)


def _broken(link: str, name: str, detail: str, fix: str) -> Check:
    return Check(link=link, name=name, status="broken", detail=detail, fix=fix)


def _warn(link: str, name: str, detail: str, fix: str | None = None) -> Check:
    return Check(link=link, name=name, status="warning", detail=detail, fix=fix)


def _oneline(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:240] or type(exc).__name__


# --------------------------------------------------------------------------- links

def check_spec(ctx: DiagContext) -> list[Check]:
    from rsfleet import spec as fleet_spec

    if ctx.backend == "local":
        try:
            if ctx.open_local is None:
                raise RsfleetError("no local fleet given to diagnose")
            ctx.fleet = ctx.open_local()
        except RsfleetError as exc:
            return [_broken("spec", "local fleet state", _oneline(exc),
                            f"start the local fleet: rsfleet local up {ctx.fix_env}")]
        ctx.spec = ctx.fleet.spec
        ctx.cafile = str(ctx.fleet.ca_file)
        return [_ok("spec", "local fleet state", f"state dir {ctx.fleet.state_dir}")]
    try:
        ctx.spec, path = fleet_spec.load(ctx.env, ctx.spec_path)
        ctx.spec_path = path
    except RsfleetError as exc:
        return [_broken("spec", "spec valid", _oneline(exc),
                        "fix the spec file named above; check it with `rsfleet validate`")]
    return [_ok("spec", "spec valid", str(ctx.spec_path))]


def check_outputs(ctx: DiagContext) -> list[Check]:
    from rsfleet.adapters.terraform import outputs_for_spec

    try:
        # check_spec has set spec_path; the Path("") fallback only serves --tf-outputs.
        out = FleetOutputs.from_terraform(outputs_for_spec(
            ctx.spec_path or Path(""), ctx.env or ctx.fleet_spec.environment, ctx.tf_outputs))
    except RsfleetError as exc:
        return [_broken("outputs", "terraform outputs", _oneline(exc),
                        f"run `rsfleet apply {ctx.fix_env}`, or pass --tf-outputs FILE")]
    ctx.outputs = out
    missing = [k for k, v in (("nlb", out.nlb), ("consumers", out.consumers),
                              ("producer", out.producer)) if not v]
    if not missing and out.nlb is not None and not out.nlb.dns_name:
        missing.append("nlb.dns_name")
    if missing or out.nlb is None:
        return [_broken("outputs", "terraform outputs", f"missing: {', '.join(missing)}",
                        f"run `rsfleet apply {ctx.fix_env}` (the fleet is not fully built)")]
    return [_ok("outputs", "terraform outputs",
                f"nlb {out.nlb.dns_name}, {len(out.consumers)} consumers")]


def _fleet(ctx: DiagContext) -> Fleet:
    """The local fleet (check_spec opened it; the local links run after it)."""
    assert ctx.fleet is not None, "check_spec opens the local fleet first"
    return ctx.fleet


def _nlb(ctx: DiagContext) -> NlbOutputs:
    return ctx.outputs.nlb or NlbOutputs()


def _lb(ctx: DiagContext) -> tuple[str, int]:
    if ctx.host:
        host = ctx.host
    elif ctx.backend == "local":
        host = str(_fleet(ctx).lb_host)
    else:
        host = str(_nlb(ctx).dns_name)
    if ctx.port:
        port = ctx.port
    elif ctx.backend == "local":
        port = int(_fleet(ctx).lb_port)
    else:
        port = int(_nlb(ctx).port or ctx.fleet_spec.nlb.port)
    return host, port


def check_dns(ctx: DiagContext) -> list[Check]:
    host, port = _lb(ctx)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        fix = ("the NLB may still be provisioning, or this machine cannot resolve private "
               "names: run from inside the VPC (rsfleet loadtest --via-test-instance)"
               if ctx.backend == "aws" else "check --host")
        return [_broken("dns", f"resolve {host}", _oneline(exc), fix)]
    addrs = sorted({str(i[4][0]) for i in infos})
    return [_ok("dns", f"resolve {host}", ", ".join(addrs))]


def check_tcp(ctx: DiagContext) -> list[Check]:
    host, port = _lb(ctx)
    t = time.perf_counter()
    try:
        socket.create_connection((host, port), timeout=ctx.timeout).close()
    except OSError as exc:
        if ctx.backend == "local":
            fix = (f"HAProxy is not listening on {host}:{port}: "
                   f"restart it with `rsfleet local up {ctx.fix_env}`")
        else:
            fix = ("check that this machine is in the VPC or an allowed CIDR "
                   "(nlb.allowed_cidrs) and the NLB listener exists (rsfleet apply)")
        return [_broken("tcp", f"TCP {host}:{port}", _oneline(exc), fix)]
    ms = (time.perf_counter() - t) * 1000
    return [_ok("tcp", f"TCP {host}:{port}", f"connected in {ms:.1f} ms")]


def tls_handshake(host: str, port: int, *, cafile: str | None, check_hostname: bool,
                  timeout: float) -> dict[str, Any]:
    """SSLRequest then a TLS handshake verified against `cafile` (or the system CAs)."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        sock.sendall(SSL_REQUEST)
        answer = sock.recv(1)
        if answer != b"S":
            raise ssl.SSLError(f"server answered {answer!r} to SSLRequest: TLS is not enabled")
        context = ssl.create_default_context(cafile=cafile)
        context.check_hostname = check_hostname
        with context.wrap_socket(sock, server_hostname=host) as tls:
            cert = tls.getpeercert() or {}
            return {"version": tls.version(), "subject": cert.get("subject"),
                    "san": cert.get("subjectAltName")}
    finally:
        sock.close()


def _cert_names(info: dict[str, Any]) -> str:
    names = [v for k, v in (info.get("san") or ()) if k == "DNS"]
    if not names:
        names = [v for rdn in (info.get("subject") or ()) for k, v in rdn if k == "commonName"]
    return ", ".join(names[:3]) or "no DNS name"


# Through the NLB (TCP pass-through) the client talks TLS with the workgroup itself, after an
# SSLRequest; the certificate names the workgroup's endpoint, not the NLB. So sslmode=require
# (encrypt) and verify-ca (encrypt + the Amazon root CAs) work; verify-full cannot, unless a
# custom domain's certificate names the NLB's name.
# https://docs.aws.amazon.com/redshift/latest/mgmt/connecting-ssl-support.html
AWS_SSLMODE_ADVICE = ("clients through the NLB use sslmode=require, or sslmode=verify-ca with "
                      "the Amazon root CAs; verify-full fails (the certificate names the "
                      "workgroup, not the NLB)")


def check_tls(ctx: DiagContext) -> list[Check]:
    host, port = _lb(ctx)
    name = f"TLS {host}:{port}"
    try:
        info = tls_handshake(host, port, cafile=ctx.cafile, check_hostname=False,
                             timeout=ctx.timeout)
    except (OSError, ssl.SSLError) as exc:
        if ctx.backend == "aws" and isinstance(exc, ssl.SSLCertVerificationError):
            return _tls_aws_unverified(ctx, host, port, name, exc)
        if ctx.backend == "aws":
            return [_broken("tls", name, _oneline(exc),
                            "no TLS session through the NLB: the listener must be TCP and "
                            "forward to the consumers' Redshift port (no TLS listener)")]
        return [_broken("tls", name, _oneline(exc),
                        f"the consumers' certificate does not verify against {ctx.cafile}: "
                        f"re-create the fleet's TLS files (rsfleet local down/up {ctx.fix_env})")]
    try:
        tls_handshake(host, port, cafile=ctx.cafile, check_hostname=True, timeout=ctx.timeout)
    except ssl.SSLCertVerificationError as exc:
        if ctx.backend == "aws":
            return [_ok("tls", name, f"{info['version']} after SSLRequest; the certificate "
                        f"verifies (verify-ca works) and names {_cert_names(info)}, not "
                        f"{host}: {AWS_SSLMODE_ADVICE}")]
        return [_broken("tls", name, _oneline(exc),
                        f"the server certificate does not name {host}: re-create the fleet's "
                        f"TLS files (rsfleet local down/up {ctx.fix_env})")]
    except (OSError, ssl.SSLError) as exc:
        return [_broken("tls", name, _oneline(exc), "retry; the LB closed the TLS session")]
    return [_ok("tls", name, f"{info['version']}, certificate and hostname verify")]


def _tls_aws_unverified(ctx: DiagContext, host: str, port: int, name: str,
                        exc: BaseException) -> list[Check]:
    """The handshake failed with verification: does TLS work at all (sslmode=require)?"""
    try:
        sock = socket.create_connection((host, port), timeout=ctx.timeout)
        try:
            sock.sendall(SSL_REQUEST)
            answer = sock.recv(1)
            if answer != b"S":
                return [_broken("tls", name, f"server answered {answer!r} to SSLRequest",
                                "the NLB must forward to the consumers' Redshift port (TCP "
                                "listener, no TLS listener)")]
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            with context.wrap_socket(sock, server_hostname=host) as tls:
                version = tls.version()
        finally:
            sock.close()
    except (OSError, ssl.SSLError) as exc2:
        return [_broken("tls", name, _oneline(exc2),
                        "no TLS session through the NLB: check the listener is TCP and "
                        "forwards to the consumers (rsfleet diagnose --all)")]
    return [_broken("tls", name, f"{version} works (sslmode=require), but the certificate "
                    f"does not verify against {ctx.cafile or 'the system CA bundle'}: "
                    f"{_oneline(exc)}",
                    "for sslmode=verify-ca install the Amazon root CAs (package "
                    "ca-certificates) or pass the Redshift CA bundle; " + AWS_SSLMODE_ADVICE)]


def _connect_kwargs(ctx: DiagContext, node: str | Node = "lb") -> dict[str, Any]:
    from rsfleet.loadtest.queries import shared_objects

    db = ctx.dbname
    if db is None:
        try:
            db = shared_objects(ctx.fleet_spec, None)[0]
        except RsfleetError:
            db = ctx.fleet_spec.producer.database_name
    if ctx.backend == "local":
        kw = dict(_fleet(ctx).connect_kwargs(node, role="app_reader", dbname=db))
        if os.environ.get("PGPASSWORD"):
            kw["password"] = os.environ["PGPASSWORD"]
    else:
        host, port = _lb(ctx)
        kw = {"host": host, "port": port, "dbname": ctx.fleet_spec.producer.database_name,
              "sslmode": "require", "user": ctx.user, "password": ctx.password}
    if node == "lb" and ctx.host:
        kw["host"] = ctx.host
    if node == "lb" and ctx.port:
        kw["port"] = ctx.port
    if ctx.user:
        kw["user"] = ctx.user
    kw["connect_timeout"] = max(1, int(ctx.timeout))
    return kw


def check_auth(ctx: DiagContext) -> list[Check]:
    import psycopg

    from rsfleet.loadtest.runner import classify

    if ctx.backend == "aws":
        if ctx.password_secret_arn:
            from rsfleet.adapters.secretsmanager import read_secret

            try:
                user, ctx.password = read_secret(ctx.password_secret_arn,
                                                 option_name="--password-secret-arn")
            except RsfleetError as exc:
                return [_broken("auth", "read the secret", _oneline(exc),
                                "check the ARN and that your role may read it")]
            ctx.user = ctx.user or user
        else:
            ctx.password = os.environ.get("PGPASSWORD")
        if not (ctx.user and ctx.password):
            return [Check(link="auth", name="authenticate through the LB", status="skipped",
                          detail="no credentials given",
                          fix="pass --password-secret-arn, or --user and PGPASSWORD")]
    kw = _connect_kwargs(ctx)
    name = f"authenticate as {kw.get('user')} through the LB"
    try:
        with psycopg.connect(**kw, autocommit=True) as conn:
            conn.execute("SELECT 1").fetchone()
    except psycopg.Error as exc:
        kind = classify(exc, "connect")
        if kind == "permission":
            src = ("PGPASSWORD" if os.environ.get("PGPASSWORD") else
                   "the state dir's secrets.json" if ctx.backend == "local" else "the secret")
            return [_broken("auth", name, _oneline(exc),
                            f"the password from {src} is wrong for {kw.get('user')}: unset "
                            "PGPASSWORD to use the fleet's own, or reset the role's password")]
        return [_broken("auth", name, _oneline(exc),
                        "the LB accepts TCP but no consumer answers: see the targets check "
                        "(rsfleet diagnose --all)")]
    return [_ok("auth", name)]


def _haproxy_states(ctx: DiagContext) -> dict[str, str]:
    """{server: status} of backend `consumers` from HAProxy's runtime API (show stat)."""
    from rsfleet.adapters.haproxy import HaproxyRuntime

    client = HaproxyRuntime(_fleet(ctx).haproxy_socket, timeout=ctx.timeout)
    try:
        return {s.name: s.status for s in client.servers("consumers")}
    except RsfleetError as exc:
        raise OSError(exc.message) from None


def check_targets(ctx: DiagContext) -> list[Check]:
    return _targets_local(ctx) if ctx.backend == "local" else _targets_aws(ctx)


def _targets_local(ctx: DiagContext) -> list[Check]:
    import psycopg

    behind = [n for n, c in ctx.fleet_spec.consumers.items() if c.behind_nlb]
    try:
        states = _haproxy_states(ctx)
    except OSError as exc:
        return [_broken("targets", "HAProxy runtime API", _oneline(exc),
                        f"HAProxy's admin socket does not answer: rsfleet local up {ctx.fix_env}")]
    checks: list[Check] = []
    for name in behind:
        st = states.get(name)
        if st is None:
            checks.append(_broken("targets", f"{name} in the LB", "not a server of backend "
                                  "consumers", f"add it: rsfleet targets sync {ctx.fix_env}"))
        elif st.startswith("UP"):
            checks.append(_ok("targets", f"{name} LB health", st))
        elif st.startswith(("DRAIN", "NOLB", "MAINT")):
            drains = _drains(ctx)
            # undrain only lifts a drain someone made; any other consumer out of rotation
            # is kept out by the readiness controller, and undrain would change nothing
            fix = (f"drained ({drains[name]}): put it back with rsfleet targets undrain "
                   f"{name} {ctx.fix_env}" if name in drains else
                   f"the readiness controller keeps it out (not ready): `rsfleet targets "
                   f"status {ctx.fix_env}` says why")
            checks.append(_warn("targets", f"{name} LB health", f"{st}: out of rotation", fix))
        else:
            checks.append(_broken("targets", f"{name} LB health", st,
                                  f"the consumer is down: rsfleet local restart {name} "
                                  f"{ctx.fix_env}"))
        node = _fleet(ctx).consumers.get(name)
        if node is None:
            checks.append(_broken("targets", f"{name} readiness", "no such node in the fleet",
                                  f"rsfleet local scale {ctx.fix_env}"))
            continue
        try:
            with psycopg.connect(**_connect_kwargs(ctx, node), autocommit=True) as conn:
                conn.execute("SELECT 1").fetchone()
            checks.append(_ok("targets", f"{name} readiness", "SELECT 1 answered directly"))
        except psycopg.Error as exc:
            checks.append(_broken("targets", f"{name} readiness", _oneline(exc),
                                  f"start it: rsfleet local restart {name} {ctx.fix_env}"))
    return checks


def _drains(ctx: DiagContext) -> dict[str, str]:
    """Consumers drained in the fleet's drain state (`targets drain`, rollouts) -> why."""
    from rsfleet.sharing.local import consumer_ready
    from rsfleet.targets import api as targets_api

    try:
        return targets_api.local_context(_fleet(ctx), data_ready=consumer_ready
                                         ).store.load().drained
    except (OSError, ValueError, RsfleetError):
        return {}


def _targets_aws(ctx: DiagContext) -> list[Check]:
    from botocore.exceptions import BotoCoreError, ClientError

    tg = _nlb(ctx).target_group_arn
    if not tg:
        return [_broken("targets", "NLB target health", "no target group ARN in the outputs",
                        "check the target group ARN in the Terraform outputs (rsfleet apply)")]
    by_ip: dict[str, str] = {}
    for name, c in ctx.outputs.consumers.items():
        for ip in c.endpoint_ips.values():
            by_ip[ip] = name
    try:
        desc = ctx.client("elbv2").describe_target_health(TargetGroupArn=tg)
    except (BotoCoreError, ClientError) as exc:
        return [_broken("targets", "NLB target health", _oneline(exc),
                        "check the target group ARN in the Terraform outputs (rsfleet apply)")]
    seen: dict[str, list[tuple[str, str, str]]] = {}
    for d in desc.get("TargetHealthDescriptions", []):
        ip = d["Target"]["Id"]
        th = d.get("TargetHealth", {})
        seen.setdefault(by_ip.get(ip, ip), []).append(
            (ip, th.get("State", "?"), th.get("Description") or th.get("Reason") or ""))
    checks: list[Check] = []
    behind = [n for n, c in ctx.fleet_spec.consumers.items() if c.behind_nlb]
    for name in behind + sorted(set(seen) - set(behind)):
        targets = seen.get(name)
        if not targets:
            checks.append(_broken("targets", f"{name} LB health", "no target registered",
                                  f"register it: rsfleet targets sync {ctx.fix_env}"))
            continue
        states = ", ".join(f"{ip} {st}" + (f" ({why})" if why else "") for ip, st, why in targets)
        if all(st == "healthy" for _, st, _ in targets):
            checks.append(_ok("targets", f"{name} LB health", states))
        elif any(st in ("draining", "unused") for _, st, _ in targets) and not any(
                st == "unhealthy" for _, st, _ in targets):
            checks.append(_warn("targets", f"{name} LB health", states, "out of rotation on "
                                f"purpose? rsfleet targets status {ctx.fix_env}"))
        else:
            checks.append(_broken("targets", f"{name} LB health", states,
                                  "health checks fail: see the security-groups check and "
                                  f"`rsfleet targets status {ctx.fix_env}`"))
    return checks


def _covers_5439(perm: IpPermissionOutputTypeDef, port: int) -> bool:
    if perm.get("IpProtocol") == "-1":
        return True
    if perm.get("IpProtocol") not in ("tcp", "6"):
        return False
    return int(perm.get("FromPort", -1)) <= port <= int(perm.get("ToPort", -1))


def check_security_groups(ctx: DiagContext) -> list[Check]:
    """Consumer SGs admit 5439 from the NLB (traffic and health checks use the same port);
    the NLB SG admits 5439 from clients and may send 5439 to the consumers."""
    from botocore.exceptions import BotoCoreError, ClientError

    port = int(_nlb(ctx).port or ctx.fleet_spec.nlb.port)
    vpc = ipaddress.ip_network(ctx.fleet_spec.vpc_cidr)
    checks: list[Check] = []
    try:
        nlb_arn = _nlb(ctx).arn
        if not nlb_arn:
            raise KeyError("nlb.arn")
        lbs = ctx.client("elbv2").describe_load_balancers(
            LoadBalancerArns=[nlb_arn])["LoadBalancers"]
        nlb_sgs = list(lbs[0].get("SecurityGroups") or [])
        consumer_sgs: dict[str, list[str]] = {}
        rs = ctx.client("redshift-serverless")
        for name, c in ctx.outputs.consumers.items():
            if not c.workgroup_name:
                raise KeyError(f"consumers.{name}.workgroup_name")
            wg = rs.get_workgroup(workgroupName=c.workgroup_name)["workgroup"]
            consumer_sgs[name] = list(wg.get("securityGroupIds") or [])
        ids = sorted({*nlb_sgs, *(g for v in consumer_sgs.values() for g in v)})
        groups = {g["GroupId"]: g for g in ctx.client("ec2").describe_security_groups(
            GroupIds=ids)["SecurityGroups"]} if ids else {}
    except (BotoCoreError, ClientError, KeyError, IndexError) as exc:
        return [_broken("security-groups", "describe security groups", _oneline(exc),
                        "check your AWS credentials/region and the Terraform outputs")]

    def admits(perm: IpPermissionOutputTypeDef) -> bool:
        if any(p.get("GroupId") in nlb_sgs for p in perm.get("UserIdGroupPairs", [])):
            return True
        for r in perm.get("IpRanges", []):
            net = ipaddress.ip_network(r["CidrIp"], strict=False)
            if net.overlaps(vpc):
                return True
        return False

    for name, sgs in sorted(consumer_sgs.items()):
        perms = [p for g in sgs for p in groups.get(g, {}).get("IpPermissions", [])]
        if any(_covers_5439(p, port) and admits(p) for p in perms):
            checks.append(_ok("security-groups", f"{name} admits {port} from the NLB",
                              ", ".join(sgs)))
        else:
            src = f"security group {nlb_sgs[0]}" if nlb_sgs else f"the VPC CIDR {vpc}"
            checks.append(_broken(
                "security-groups", f"{name} admits {port} from the NLB",
                f"no inbound rule for tcp/{port} from the NLB in {', '.join(sgs) or 'none'}",
                f"add an inbound rule tcp/{port} from {src} to the consumer security group "
                "(terraform/modules/networking), then rsfleet apply"))
    if nlb_sgs:
        ing = [p for g in nlb_sgs for p in groups.get(g, {}).get("IpPermissions", [])]
        egr = [p for g in nlb_sgs for p in groups.get(g, {}).get("IpPermissionsEgress", [])]
        if any(_covers_5439(p, port) for p in ing):
            checks.append(_ok("security-groups", f"NLB admits clients on {port}",
                              ", ".join(nlb_sgs)))
        else:
            checks.append(_broken("security-groups", f"NLB admits clients on {port}",
                                  f"no inbound tcp/{port} rule on {', '.join(nlb_sgs)}",
                                  "set nlb.allowed_cidrs / allowed_security_group_ids in the "
                                  "spec and rsfleet apply"))
        if any(_covers_5439(p, port) for p in egr):
            checks.append(_ok("security-groups", f"NLB may reach targets on {port}"))
        else:
            checks.append(_broken("security-groups", f"NLB may reach targets on {port}",
                                  f"no outbound tcp/{port} rule on {', '.join(nlb_sgs)}: "
                                  "traffic and health checks cannot reach the consumers",
                                  f"add an outbound tcp/{port} rule to the consumer security "
                                  "group, then rsfleet apply"))
    return checks


def check_datashare(ctx: DiagContext) -> list[Check]:
    return _datashare_local(ctx) if ctx.backend == "local" else _datashare_aws(ctx)


def _share_targets(ctx: DiagContext) -> list[tuple[str, str, list[str], list[str]]]:
    """(consumer, consumer database, schemas, tables) for every share each consumer gets."""
    out = []
    for share, d in sorted(ctx.fleet_spec.datashares.items()):
        names = list(ctx.fleet_spec.consumers) if "*" in d.consumers else d.consumers
        for name in names:
            out.append((name, d.consumer_database or f"{share}_db", list(d.schemas),
                        list(d.tables)))
    return sorted(out)


def _not_shared(found: Iterable[tuple[str, str]], schemas: list[str],
                tables: list[str]) -> list[str]:
    """The schemas with no table and the 'schema.table's not among the (schema, table)
    pairs a consumer sees: one rule for both backends."""
    seen = set(found)
    missing = [s for s in schemas if not any(f[0] == s for f in seen)]
    return missing + [t for t in tables if tuple(t.split(".")) not in seen]


def _datashare_local(ctx: DiagContext) -> list[Check]:
    import psycopg
    from psycopg import sql

    from rsfleet.loadtest.queries import LOCAL_CATALOG_SQL

    checks: list[Check] = []
    for name, db, schemas, tables in _share_targets(ctx):
        node = _fleet(ctx).consumers.get(name)
        label = f"{name}: {db} mounted and readable"
        if node is None:
            continue
        wanted = sorted(set(schemas) | {t.split(".")[0] for t in tables})
        try:
            kw = _connect_kwargs(ctx, node)
            kw["dbname"] = db
            with psycopg.connect(**kw, autocommit=True) as conn:
                rows = conn.execute(LOCAL_CATALOG_SQL, (wanted,)).fetchall()
                found = sorted({(r[0], r[1]) for r in rows})
                missing = _not_shared(found, schemas, tables)
                if missing:
                    checks.append(_broken("datashare", label, "no shared tables for: "
                                          + ", ".join(missing),
                                          f"share the data: rsfleet share apply {ctx.fix_env}"))
                    continue
                for schema, table in found:
                    conn.execute(sql.SQL("SELECT 1 FROM {} LIMIT 1").format(
                        sql.Identifier(schema, table))).fetchall()
            checks.append(_ok("datashare", label, f"{len(found)} tables readable"))
        except psycopg.Error as exc:
            text = _oneline(exc)
            fix = (f"share the data: rsfleet share apply {ctx.fix_env}"
                   if "does not exist" in text or "permission denied" in text
                   else f"start it: rsfleet local restart {name} {ctx.fix_env}")
            checks.append(_broken("datashare", label, text, fix))
    return checks


def _data_api(ctx: DiagContext, workgroup: str, database: str, sql_text: str,
              params: Sequence[SqlParameterTypeDef], poll: float = 0.5) -> list[list[Any]]:
    client = ctx.client("redshift-data")
    sid = client.execute_statement(WorkgroupName=workgroup, Database=database, Sql=sql_text,
                                   Parameters=params)["Id"]
    deadline = time.monotonic() + max(ctx.timeout * 6, 30)
    while True:
        d = client.describe_statement(Id=sid)
        if d["Status"] == "FINISHED":
            break
        if d["Status"] in ("FAILED", "ABORTED"):
            raise RuntimeError(d.get("Error") or d["Status"])
        if time.monotonic() > deadline:
            raise RuntimeError("the Data API statement did not finish in time")
        time.sleep(poll)
    res = client.get_statement_result(Id=sid)
    return [[next(iter(v.values())) for v in rec] for rec in res.get("Records", [])]


# The consumer database created FROM DATASHARE shows in SVV_ALL_TABLES with its tables
# (https://docs.aws.amazon.com/redshift/latest/dg/r_SVV_ALL_TABLES.html).
AWS_SHARE_SQL = ("SELECT schema_name, table_name FROM svv_all_tables "
                 "WHERE database_name = :db ORDER BY 1, 2")


def _datashare_aws(ctx: DiagContext) -> list[Check]:
    checks: list[Check] = []
    consumers = ctx.outputs.consumers
    for name, db, schemas, tables in _share_targets(ctx):
        label = f"{name}: {db} mounted"
        c = consumers.get(name)
        wg = c.workgroup_name if c is not None else None
        if not wg:
            checks.append(_broken("datashare", label, "consumer missing from the outputs",
                                  f"rsfleet apply {ctx.fix_env}"))
            continue
        try:
            rows = _data_api(ctx, wg, ctx.fleet_spec.producer.database_name, AWS_SHARE_SQL,
                             [{"name": "db", "value": db}])
        except Exception as exc:
            checks.append(_broken("datashare", label, _oneline(exc),
                                  "check that your role may use the Redshift Data API on "
                                  f"{wg}"))
            continue
        found = {(r[0], r[1]) for r in rows}
        missing = _not_shared(found, schemas, tables)
        if missing:
            checks.append(_broken("datashare", label, "not mounted or empty for: "
                                  + ", ".join(missing),
                                  f"share the data: rsfleet share apply {ctx.fix_env}"))
        else:
            checks.append(_ok("datashare", label, f"{len(found)} tables"))
    return checks


# Settings whose drift is a security problem (broken), not only a difference (warning).
_SECURITY_SETTINGS = {"config:require_ssl", "config:enable_user_activity_logging"}


def check_workgroups(ctx: DiagContext) -> list[Check]:
    """Each workgroup's capacity and the parameters rsfleet manages, against the spec
    (Terraform ignores the config parameters after creation: terraform/README.md,
    "Workgroup parameters"). Parameters rsfleet does not manage are not compared."""
    from rsfleet.workgroups.plan import WorkgroupState, desired_for, drift
    from rsfleet.workgroups.service import fleet_workgroups

    checks: list[Check] = []
    rs = ctx.client("redshift-serverless")
    for wg, consumer in fleet_workgroups(ctx.fleet_spec):
        label = f"{consumer or 'producer'} settings"
        try:
            state = WorkgroupState.from_api(rs.get_workgroup(workgroupName=wg)["workgroup"])
            diffs = drift(state, desired_for(ctx.fleet_spec, consumer))
        except Exception as exc:
            checks.append(_broken("workgroups", label, f"{wg}: {_oneline(exc)}",
                                  "check your AWS credentials/region and that the fleet "
                                  f"exists (rsfleet apply {ctx.fix_env})"))
            continue
        if not diffs:
            checks.append(_ok("workgroups", label, f"{wg}: as the spec says"))
            continue
        detail = f"{wg}: " + ", ".join(f"{d.setting} is {d.actual}, spec says {d.wanted}"
                                       for d in diffs)
        fix = f"rsfleet enforce {ctx.fix_env} (--dry-run shows the UpdateWorkgroup calls)"
        if any(d.setting in _SECURITY_SETTINGS for d in diffs):
            checks.append(_broken("workgroups", label, detail, fix))
        else:
            checks.append(_warn("workgroups", label, detail, fix))
    return checks


Link = tuple[str, Callable[[DiagContext], list[Check]], tuple[str, ...]]
CHAIN: list[Link] = [
    ("spec", check_spec, ("local", "aws")),
    ("outputs", check_outputs, ("aws",)),
    ("dns", check_dns, ("local", "aws")),
    ("tcp", check_tcp, ("local", "aws")),
    ("tls", check_tls, ("local", "aws")),
    ("auth", check_auth, ("local", "aws")),
    ("targets", check_targets, ("local", "aws")),
    ("security-groups", check_security_groups, ("aws",)),
    ("workgroups", check_workgroups, ("aws",)),
    ("datashare", check_datashare, ("local", "aws")),
]
# Links that later links cannot run without (with --all, a broken one still stops here).
ESSENTIAL = {"spec", "outputs"}


def run_chain(ctx: DiagContext, keep_going: bool = False) -> DiagnoseReport:
    checks: list[Check] = []
    stopped: str | None = None
    for name, fn, backends in CHAIN:
        if ctx.backend not in backends:
            continue
        if stopped is not None:
            checks.append(Check(link=name, name=name, status="skipped",
                                detail=f"not checked: {stopped} is broken"))
            continue
        try:
            got = fn(ctx)
        except Exception as exc:  # a check must never crash the chain
            got = [_broken(name, name, f"check failed: {_oneline(exc)}",
                           "report this as a bug in rsfleet diagnose")]
        checks.extend(got)
        if any(c.status == "broken" for c in got) and (not keep_going or name in ESSENTIAL):
            stopped = name
    ok = not any(c.status == "broken" for c in checks)
    first = next((c.link for c in checks if c.status == "broken"), None)
    return DiagnoseReport(backend=ctx.backend, ok=ok,
                          stopped_at=stopped or (None if keep_going else first), checks=checks)
