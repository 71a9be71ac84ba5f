"""Least-privilege IAM policy documents for the fleet (`rsfleet iam-policy`).

- ``apply``: the principal that runs `rsfleet plan/apply/destroy` (Terraform on the fleet
  root, then rsfleet's UpdateWorkgroup enforcement). One entry per Terraform resource type
  the root uses (RESOURCE_ACTIONS) and per data source (DATA_SOURCE_ACTIONS), plus each
  service's read actions for refresh; a test keeps the tables in step with terraform/
  (every resource and data source type found there must be listed). Mutations are scoped
  to the fleet's names where the ARN carries a name (<project>-<env>...), else "*" with the
  reason stated in the statement id.
- ``app``: an application that connects to the consumers with IAM credentials:
  redshift-serverless:GetCredentials on the consumer workgroups (per workgroup ARN; a token
  is requested for one workgroup, see rsfleet.connect), GetWorkgroup to find the endpoint.

Action names: the Service Authorization Reference,
https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
These documents are generated from the resource types, not from a CloudTrail record of a
real apply: terraform/README.md lists them under "Verified only on paper".
"""

from __future__ import annotations

from typing import Any

# Terraform resource type -> actions to create, change, tag and delete it.
RESOURCE_ACTIONS: dict[str, tuple[str, ...]] = {
    "aws_vpc": ("ec2:CreateVpc", "ec2:DeleteVpc", "ec2:ModifyVpcAttribute"),
    "aws_default_security_group": ("ec2:RevokeSecurityGroupIngress",
                                   "ec2:RevokeSecurityGroupEgress"),
    "aws_subnet": ("ec2:CreateSubnet", "ec2:DeleteSubnet", "ec2:ModifySubnetAttribute"),
    "aws_route_table": ("ec2:CreateRouteTable", "ec2:DeleteRouteTable"),
    "aws_route_table_association": ("ec2:AssociateRouteTable", "ec2:DisassociateRouteTable",
                                    "ec2:ReplaceRouteTableAssociation"),
    "aws_vpc_endpoint": ("ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints",
                         "ec2:ModifyVpcEndpoint", "route53:AssociateVPCWithHostedZone"),
    "aws_security_group": ("ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup",
                           "ec2:RevokeSecurityGroupEgress"),
    "aws_vpc_security_group_ingress_rule": ("ec2:AuthorizeSecurityGroupIngress",
                                            "ec2:RevokeSecurityGroupIngress",
                                            "ec2:ModifySecurityGroupRules",
                                            "ec2:UpdateSecurityGroupRuleDescriptionsIngress"),
    "aws_vpc_security_group_egress_rule": ("ec2:AuthorizeSecurityGroupEgress",
                                           "ec2:RevokeSecurityGroupEgress",
                                           "ec2:ModifySecurityGroupRules",
                                           "ec2:UpdateSecurityGroupRuleDescriptionsEgress"),
    "aws_flow_log": ("ec2:CreateFlowLogs", "ec2:DeleteFlowLogs", "logs:CreateLogDelivery",
                     "logs:DeleteLogDelivery"),
    "aws_instance": ("ec2:RunInstances", "ec2:TerminateInstances", "ec2:ModifyInstanceAttribute",
                     "ec2:StopInstances", "ec2:StartInstances"),
    "aws_kms_key": ("kms:CreateKey", "kms:ScheduleKeyDeletion", "kms:PutKeyPolicy",
                    "kms:EnableKeyRotation", "kms:UpdateKeyDescription", "kms:TagResource",
                    "kms:UntagResource", "kms:CreateGrant", "kms:Decrypt", "kms:Encrypt",
                    "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext"),
    "aws_kms_alias": ("kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"),
    "aws_iam_role": ("iam:CreateRole", "iam:DeleteRole", "iam:UpdateAssumeRolePolicy",
                     "iam:TagRole", "iam:UntagRole", "iam:PassRole"),
    "aws_iam_role_policy": ("iam:PutRolePolicy", "iam:DeleteRolePolicy"),
    "aws_iam_role_policy_attachment": ("iam:AttachRolePolicy", "iam:DetachRolePolicy"),
    "aws_iam_instance_profile": ("iam:CreateInstanceProfile", "iam:DeleteInstanceProfile",
                                 "iam:AddRoleToInstanceProfile",
                                 "iam:RemoveRoleFromInstanceProfile", "iam:TagInstanceProfile"),
    "aws_cloudwatch_log_group": ("logs:CreateLogGroup", "logs:DeleteLogGroup",
                                 "logs:PutRetentionPolicy", "logs:AssociateKmsKey",
                                 "logs:DisassociateKmsKey", "logs:TagResource",
                                 "logs:UntagResource"),
    "aws_cloudwatch_metric_alarm": ("cloudwatch:PutMetricAlarm", "cloudwatch:DeleteAlarms",
                                    "cloudwatch:TagResource", "cloudwatch:UntagResource"),
    "aws_cloudwatch_dashboard": ("cloudwatch:PutDashboard", "cloudwatch:DeleteDashboards"),
    "aws_sns_topic": ("sns:CreateTopic", "sns:DeleteTopic", "sns:SetTopicAttributes",
                      "sns:TagResource", "sns:UntagResource"),
    "aws_sns_topic_policy": ("sns:SetTopicAttributes",),
    "aws_sns_topic_subscription": ("sns:Subscribe", "sns:Unsubscribe",
                                   "sns:SetSubscriptionAttributes"),
    "aws_budgets_budget": ("budgets:ModifyBudget", "budgets:TagResource",
                           "budgets:UntagResource"),
    "aws_lb": ("elasticloadbalancing:CreateLoadBalancer",
               "elasticloadbalancing:DeleteLoadBalancer",
               "elasticloadbalancing:ModifyLoadBalancerAttributes",
               "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
               "elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"),
    "aws_lb_target_group": ("elasticloadbalancing:CreateTargetGroup",
                            "elasticloadbalancing:DeleteTargetGroup",
                            "elasticloadbalancing:ModifyTargetGroup",
                            "elasticloadbalancing:ModifyTargetGroupAttributes"),
    "aws_lb_listener": ("elasticloadbalancing:CreateListener",
                        "elasticloadbalancing:DeleteListener",
                        "elasticloadbalancing:ModifyListener"),
    "aws_lb_target_group_attachment": ("elasticloadbalancing:RegisterTargets",
                                       "elasticloadbalancing:DeregisterTargets"),
    "aws_redshiftserverless_namespace": ("redshift-serverless:CreateNamespace",
                                         "redshift-serverless:DeleteNamespace",
                                         "redshift-serverless:UpdateNamespace",
                                         "redshift-serverless:TagResource",
                                         "redshift-serverless:UntagResource",
                                         "secretsmanager:CreateSecret",
                                         "secretsmanager:DeleteSecret",
                                         "secretsmanager:TagResource",
                                         "secretsmanager:RotateSecret"),
    "aws_redshiftserverless_workgroup": ("redshift-serverless:CreateWorkgroup",
                                         "redshift-serverless:DeleteWorkgroup",
                                         "redshift-serverless:UpdateWorkgroup",
                                         "redshift-serverless:TagResource",
                                         "redshift-serverless:UntagResource",
                                         "ec2:CreateVpcEndpoint", "ec2:DeleteVpcEndpoints",
                                         "ec2:CreateNetworkInterface",
                                         "ec2:DeleteNetworkInterface"),
    "aws_redshiftserverless_endpoint_access": ("redshift-serverless:CreateEndpointAccess",
                                               "redshift-serverless:DeleteEndpointAccess",
                                               "redshift-serverless:UpdateEndpointAccess"),
    "aws_redshiftserverless_usage_limit": ("redshift-serverless:CreateUsageLimit",
                                           "redshift-serverless:DeleteUsageLimit",
                                           "redshift-serverless:UpdateUsageLimit"),
    "aws_s3_bucket": ("s3:CreateBucket", "s3:DeleteBucket", "s3:PutBucketTagging"),
    "aws_s3_bucket_ownership_controls": ("s3:PutBucketOwnershipControls",),
    "aws_s3_bucket_versioning": ("s3:PutBucketVersioning",),
    "aws_s3_bucket_server_side_encryption_configuration": ("s3:PutEncryptionConfiguration",),
    "aws_s3_bucket_public_access_block": ("s3:PutBucketPublicAccessBlock",),
    "aws_s3_bucket_lifecycle_configuration": ("s3:PutLifecycleConfiguration",),
    "aws_s3_bucket_policy": ("s3:PutBucketPolicy", "s3:DeleteBucketPolicy"),
    "aws_s3_object": ("s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion",
                      "s3:PutObjectTagging"),
    # modules/controller (the readiness controller's Lambda, its state table, DLQ, schedule)
    "aws_lambda_function": ("lambda:CreateFunction", "lambda:DeleteFunction",
                            "lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration",
                            "lambda:PutFunctionConcurrency", "lambda:DeleteFunctionConcurrency",
                            "lambda:TagResource", "lambda:UntagResource",
                            "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"),
    "aws_lambda_function_event_invoke_config": ("lambda:PutFunctionEventInvokeConfig",
                                                "lambda:UpdateFunctionEventInvokeConfig",
                                                "lambda:DeleteFunctionEventInvokeConfig"),
    "aws_dynamodb_table": ("dynamodb:CreateTable", "dynamodb:DeleteTable",
                           "dynamodb:UpdateTable", "dynamodb:UpdateContinuousBackups",
                           "dynamodb:UpdateTimeToLive", "dynamodb:TagResource",
                           "dynamodb:UntagResource"),
    "aws_sqs_queue": ("sqs:CreateQueue", "sqs:DeleteQueue", "sqs:SetQueueAttributes",
                      "sqs:TagQueue", "sqs:UntagQueue"),
    "aws_scheduler_schedule": ("scheduler:CreateSchedule", "scheduler:DeleteSchedule",
                               "scheduler:UpdateSchedule"),
    # the probe login's secret, created without a value (`share apply` writes it)
    "aws_secretsmanager_secret": ("secretsmanager:CreateSecret", "secretsmanager:DeleteSecret",
                                  "secretsmanager:UpdateSecret", "secretsmanager:TagResource",
                                  "secretsmanager:UntagResource"),
}

# Data sources -> actions to read them (aws_iam_policy_document, aws_region and
# aws_partition are computed locally).
DATA_SOURCE_ACTIONS: dict[str, tuple[str, ...]] = {
    "aws_availability_zones": ("ec2:DescribeAvailabilityZones",),
    "aws_caller_identity": ("sts:GetCallerIdentity",),
    "aws_ec2_managed_prefix_list": ("ec2:DescribeManagedPrefixLists",
                                    "ec2:GetManagedPrefixListEntries"),
    "aws_iam_policy_document": (),
    "aws_partition": (),
    "aws_region": (),
    "aws_servicequotas_service_quota": ("servicequotas:GetServiceQuota",),
    "aws_ssm_parameter": ("ssm:GetParameter",),
    "aws_subnet": ("ec2:DescribeSubnets",),
    "aws_vpc": ("ec2:DescribeVpcs",),
}

# What rsfleet itself does in `apply` after Terraform (src/rsfleet/workgroups/).
RSFLEET_APPLY_ACTIONS = ("redshift-serverless:GetWorkgroup",
                         "redshift-serverless:UpdateWorkgroup")

# Refresh reads every managed object; these read actions carry no side effects.
READ_ACTIONS = (
    "ec2:Describe*", "elasticloadbalancing:Describe*", "redshift-serverless:Get*",
    "redshift-serverless:List*", "kms:Describe*", "kms:Get*", "kms:List*", "iam:Get*",
    "iam:List*", "logs:Describe*", "logs:ListTagsForResource", "logs:ListTagsLogGroup",
    "cloudwatch:Describe*", "cloudwatch:GetDashboard", "cloudwatch:ListTagsForResource",
    "sns:GetTopicAttributes", "sns:GetSubscriptionAttributes", "sns:ListTagsForResource",
    "sns:ListSubscriptionsByTopic", "budgets:ViewBudget", "budgets:ListTagsForResource",
    "s3:GetBucket*", "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration",
    "s3:GetReplicationConfiguration", "s3:GetAccelerateConfiguration",
    "s3:GetObject", "s3:GetObjectTagging", "s3:ListBucket", "s3:ListBucketVersions",
    "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy",
    "route53:GetHostedZone", "route53:ListHostedZonesByVPC",
    "lambda:GetFunction", "lambda:GetFunctionConcurrency", "lambda:GetFunctionCodeSigningConfig",
    "lambda:GetFunctionEventInvokeConfig", "lambda:ListVersionsByFunction", "lambda:ListTags",
    "dynamodb:DescribeTable", "dynamodb:DescribeContinuousBackups",
    "dynamodb:DescribeTimeToLive", "dynamodb:ListTagsOfResource", "sqs:GetQueueAttributes",
    "sqs:ListQueueTags", "scheduler:GetSchedule",
)

# Services whose mutating actions can be scoped to the fleet's names in their ARNs.
_SCOPED = {
    "iam": ["arn:{p}:iam::{a}:role/{n}-*", "arn:{p}:iam::{a}:instance-profile/{n}-*"],
    "logs": ["arn:{p}:logs:{r}:{a}:log-group:/aws/redshift/{n}-*",
             "arn:{p}:logs:{r}:{a}:log-group:/aws/vpc-flow-logs/{n}*",
             "arn:{p}:logs:{r}:{a}:log-group:/aws/lambda/{n}-*",
             "arn:{p}:logs:{r}:{a}:log-group:/aws/redshift/{n}-*:*",
             "arn:{p}:logs:{r}:{a}:log-group:/aws/vpc-flow-logs/{n}*:*",
             "arn:{p}:logs:{r}:{a}:log-group:/aws/lambda/{n}-*:*"],
    "sns": ["arn:{p}:sns:{r}:{a}:{n}-*"],
    "s3": ["arn:{p}:s3:::{n}-artifacts-*", "arn:{p}:s3:::{n}-artifacts-*/*"],
    "cloudwatch": ["arn:{p}:cloudwatch:{r}:{a}:alarm:{n}-*",
                   "arn:{p}:cloudwatch::{a}:dashboard/{n}-*"],
    "budgets": ["arn:{p}:budgets::{a}:budget/{n}-*"],
    "redshift-serverless": ["arn:{p}:redshift-serverless:{r}:{a}:workgroup/*",
                            "arn:{p}:redshift-serverless:{r}:{a}:namespace/*",
                            "arn:{p}:redshift-serverless:{r}:{a}:managed-vpc-endpoint/*",
                            "arn:{p}:redshift-serverless:{r}:{a}:usagelimit/*"],
    "secretsmanager": ["arn:{p}:secretsmanager:{r}:{a}:secret:redshift!{n}-*",
                       "arn:{p}:secretsmanager:{r}:{a}:secret:{n}/probe-login-*"],
    "lambda": ["arn:{p}:lambda:{r}:{a}:function:{n}-*"],
    "dynamodb": ["arn:{p}:dynamodb:{r}:{a}:table/{n}-*"],
    "sqs": ["arn:{p}:sqs:{r}:{a}:{n}-*"],
    "scheduler": ["arn:{p}:scheduler:{r}:{a}:schedule/default/{n}-*"],
}


def _service(action: str) -> str:
    return action.split(":", 1)[0]


def apply_actions() -> set[str]:
    """Every mutating action the apply principal needs (resources, data sources, rsfleet)."""
    acts = {a for v in RESOURCE_ACTIONS.values() for a in v}
    acts |= {a for v in DATA_SOURCE_ACTIONS.values() for a in v}
    return acts | set(RSFLEET_APPLY_ACTIONS)


def _sid(text: str) -> str:
    return "".join(c for c in text.title() if c.isalnum())


def apply_policy(*, name: str, region: str, account: str = "*",
                 partition: str = "aws") -> dict[str, Any]:
    """The policy document for the principal running `rsfleet apply` on fleet `name`
    (<project>-<env>)."""
    fmt = {"p": partition, "a": account, "r": region, "n": name}
    by_service: dict[str, set[str]] = {}
    for action in apply_actions():
        by_service.setdefault(_service(action), set()).add(action)
    statements: list[dict[str, Any]] = [{
        "Sid": "ReadForRefresh", "Effect": "Allow", "Action": sorted(READ_ACTIONS),
        "Resource": "*",
    }]
    for service in sorted(by_service):
        acts = sorted(by_service[service])
        if service in _SCOPED:
            resources: str | list[str] = [r.format(**fmt) for r in _SCOPED[service]]
            sid = f"{_sid(service)}OnTheFleetsNames"
        else:
            # EC2, ELB, KMS, Route 53, STS, SSM: create calls name no ARN that exists yet,
            # or the ARN carries a random id; scoped by region where the condition exists.
            resources = "*"
            sid = f"{_sid(service)}ResourcesWithGeneratedIds"
        st: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": acts,
                              "Resource": resources}
        if service in ("ec2", "elasticloadbalancing", "kms", "ssm"):
            st["Condition"] = {"StringEquals": {"aws:RequestedRegion": region}}
        if service == "iam":
            st["Condition"] = {"StringEqualsIfExists": {"iam:PassedToService": [
                "redshift.amazonaws.com", "redshift-serverless.amazonaws.com",
                "ec2.amazonaws.com", "vpc-flow-logs.amazonaws.com", "lambda.amazonaws.com",
                "scheduler.amazonaws.com"]}}
        statements.append(st)
    return {"Version": "2012-10-17", "Statement": statements}


def app_policy(*, workgroups: list[str], region: str, account: str = "*",
               partition: str = "aws") -> dict[str, Any]:
    """For applications connecting with IAM credentials to the given consumer workgroups.
    GetCredentials authorizes on the workgroup ARN; the ARN ends in the workgroup's id, so
    the names are matched with the aws:ResourceTag/Name tag the fleet sets."""
    arn = f"arn:{partition}:redshift-serverless:{region}:{account}:workgroup/*"
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "IamSessionsOnTheConsumerWorkgroups",
        "Effect": "Allow",
        "Action": ["redshift-serverless:GetCredentials", "redshift-serverless:GetWorkgroup"],
        "Resource": arn,
        "Condition": {"StringEquals": {"aws:ResourceTag/Name": sorted(workgroups)}},
    }]}


MANAGED_POLICY_LIMIT = 6144  # characters, whitespace not counted (IAM quotas)


def policy_size(doc: dict[str, Any]) -> int:
    import json

    return len(json.dumps(doc, separators=(",", ":")))


def split_for_managed(doc: dict[str, Any], limit: int = MANAGED_POLICY_LIMIT
                      ) -> list[dict[str, Any]]:
    """The statements of `doc` spread over as few documents as fit `limit` each (a managed
    policy holds 6,144 characters; an inline role policy 10,240 in total).
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html"""
    parts: list[dict[str, Any]] = []
    for st in doc["Statement"]:
        for part in parts:
            trial = {**part, "Statement": [*part["Statement"], st]}
            if policy_size(trial) <= limit:
                part["Statement"].append(st)
                break
        else:
            one = {"Version": doc["Version"], "Statement": [st]}
            if policy_size(one) > limit:
                raise ValueError(f"statement {st.get('Sid')} alone exceeds {limit} characters")
            parts.append(one)
    return parts
