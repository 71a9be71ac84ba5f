# Internal Network Load Balancer over the consumers' managed VPC endpoints.
#
# Facts from "Health checks for Network Load Balancer target groups"
# https://docs.aws.amazon.com/elasticloadbalancing/latest/network/target-group-health-checks.html :
# interval 5-300 s, timeout 2-120 s, healthy/unhealthy thresholds 2-10; passive health
# checks always run and cannot be tuned; with no healthy target the NLB fails open (routes
# to all targets). With interval 5 s and unhealthy threshold 2, a dead consumer leaves the
# rotation after about 10 s: rsfleet's readiness controller drains faster and smarter.

locals {
  base    = "${var.name}-consumers"
  lb_name = length(local.base) <= 32 ? local.base : "${trimsuffix(substr(var.name, 0, 23), "-")}-${substr(sha1(var.name), 0, 8)}"
  # The target group is replaced before the old one is destroyed (the listener holds it), so
  # its name cannot be fixed: AWS names it name_prefix + a unique suffix (name_prefix is at
  # most 6 characters). The Name tag carries the readable name.
  tg_name = "${var.name}-rs-${var.target_port}"
}

resource "aws_lb" "this" {
  #checkov:skip=CKV_AWS_91:Access logging is optional (access_logs_bucket); it needs a bucket with an ELB log-delivery policy that the user provides.
  #checkov:skip=CKV_AWS_152:Cross-zone load balancing is on by default (var.cross_zone = true, nlb.cross_zone in the spec); it stays configurable because cross-zone traffic is billed.
  #checkov:skip=CKV_AWS_150:Deletion protection is a variable (deletion_protection), off by default so dev/staging fleets can be destroyed; set it for prod.
  name                             = local.lb_name
  load_balancer_type               = "network"
  internal                         = true
  subnets                          = var.subnet_ids
  security_groups                  = var.security_group_ids
  enable_cross_zone_load_balancing = var.cross_zone
  enable_deletion_protection       = var.deletion_protection
  ip_address_type                  = "ipv4"

  dynamic "access_logs" {
    for_each = var.access_logs_bucket == null ? [] : [var.access_logs_bucket]
    content {
      bucket  = access_logs.value
      prefix  = var.access_logs_prefix
      enabled = true
    }
  }

  tags = merge(var.tags, { Name = local.lb_name })
}

resource "aws_lb_target_group" "consumers" {
  name_prefix = "rsfc-"
  port        = var.target_port
  protocol    = "TCP"
  target_type = "ip"
  vpc_id      = var.vpc_id

  # Connection draining: a deregistered target keeps its connections for this long, then
  # (connection_termination = true) they are closed. 0-3600 s, default 300 s on AWS; 30 s
  # here, as the seed promised.
  # https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html#deregistration-delay
  deregistration_delay   = var.deregistration_delay
  connection_termination = true

  # Client IP preservation is off by default for ip targets over TCP; keep it off so the
  # consumers see the NLB's address and their security group can reference the NLB's group.
  # https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html#client-ip-preservation
  preserve_client_ip = "false"

  health_check {
    enabled             = true
    protocol            = "TCP"
    port                = "traffic-port"
    interval            = var.health_check_interval
    timeout             = var.health_check_timeout
    healthy_threshold   = var.healthy_threshold
    unhealthy_threshold = var.unhealthy_threshold
  }

  # An unhealthy target's established connections are reset (the default, made explicit):
  # a consumer that fails TCP checks cannot answer its sessions anyway.
  # https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-target-groups.html (target health state)
  target_health_state {
    enable_unhealthy_connection_termination = true
  }

  tags = merge(var.tags, { Name = local.tg_name })

  lifecycle {
    # A replacement (new port, new VPC) needs the new group before the listener can leave the
    # old one; with a fixed name the create would fail with DuplicateTargetGroupName.
    create_before_destroy = true
  }
}

resource "aws_lb_listener" "tcp" {
  load_balancer_arn = aws_lb.this.arn
  port              = var.port
  protocol          = "TCP"

  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.consumers.arn
  }

  tags = var.tags
}

# No TLS listener: PostgreSQL-protocol clients (Redshift drivers, psql) open with an
# SSLRequest packet and negotiate TLS inside the protocol, and Redshift requires SSL
# (require_ssl = true), so a TLS-terminating listener, which expects a TLS ClientHello, cannot
# serve them. The TCP listener passes the session through: clients use sslmode=require, or
# verify-ca with the Amazon root CAs (the certificate names the workgroup, not the NLB).
# terraform/README.md, "Connecting through the NLB"; `rsfleet diagnose` checks it.

# One attachment per consumer x AZ, keyed statically ("<consumer>-<az>"); the IPs are known
# only after the endpoints exist, which is fine for for_each values.
resource "aws_lb_target_group_attachment" "this" {
  for_each = var.register_targets_with_terraform ? var.targets : {}

  target_group_arn = aws_lb_target_group.consumers.arn
  target_id        = each.value
  port             = var.target_port
}
