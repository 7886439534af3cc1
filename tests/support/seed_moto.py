#!/usr/bin/env python3
"""Seed a moto server with IAM scenarios for the jitgap test suite.

Usage: seed_moto.py <endpoint> <scenario>

Scenarios:
  estate  users, roles, OIDC provider and policies covering standing, time-bound
          and revoked access (account 123456789012, moto's default)
  github-oidc  an OIDC provider for GitHub Actions and two roles acme's workflows can
          assume (repo:acme/* and repo:acme/api:environment:prod)
  organization  an organization (management account 123456789012) of five active member
          accounts, each with its own roles, and one suspended account; prints
          {"members": [ids...], "suspended": id} as JSON
  empty   nothing

Prints nothing on success; exits non-zero with the error otherwise.
"""

import json
import os
import sys
from datetime import datetime, timedelta, timezone

ACCOUNT = "123456789012"
OIDC_HOST = "token.actions.githubusercontent.com"
OIDC_ARN = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC_HOST}"


def aws_policy(name):
    return f"arn:aws:iam::aws:policy/{name}"


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource, condition=None):
    stmt = {"Effect": "Allow", "Action": action, "Resource": resource}
    if condition:
        stmt["Condition"] = condition
    return stmt


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def window(start, end):
    return {
        "DateGreaterThan": {"aws:CurrentTime": iso(start)},
        "DateLessThan": {"aws:CurrentTime": iso(end)},
    }


def trust_principal(principal, condition=None, action="sts:AssumeRole"):
    stmt = {"Effect": "Allow", "Principal": principal, "Action": action}
    if condition:
        stmt["Condition"] = condition
    return doc(stmt)


def seed_estate(iam):
    now = datetime.now(timezone.utc).replace(microsecond=0)

    # Users with long-lived keys.
    iam.create_user(UserName="ci-deployer")
    iam.create_access_key(UserName="ci-deployer")
    iam.attach_user_policy(UserName="ci-deployer", PolicyArn=aws_policy("AdministratorAccess"))

    iam.create_user(UserName="etl-loader")
    iam.create_access_key(UserName="etl-loader")
    iam.create_access_key(UserName="etl-loader")
    iam.put_user_policy(
        UserName="etl-loader",
        PolicyName="etl-write",
        PolicyDocument=doc(allow("s3:PutObject", "arn:aws:s3:::etl/*")),
    )

    iam.create_user(UserName="old-batch")
    key = iam.create_access_key(UserName="old-batch")["AccessKey"]["AccessKeyId"]
    iam.update_access_key(UserName="old-batch", AccessKeyId=key, Status="Inactive")
    iam.attach_user_policy(UserName="old-batch", PolicyArn=aws_policy("ReadOnlyAccess"))

    # GitHub Actions OIDC federation.
    iam.create_open_id_connect_provider(
        Url=f"https://{OIDC_HOST}",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )
    web_identity = "sts:AssumeRoleWithWebIdentity"

    iam.create_role(
        RoleName="gha-release",
        AssumeRolePolicyDocument=trust_principal(
            {"Federated": OIDC_ARN},
            {
                "StringEquals": {
                    f"{OIDC_HOST}:aud": "sts.amazonaws.com",
                    f"{OIDC_HOST}:sub": "repo:acme/api:environment:prod",
                }
            },
            web_identity,
        ),
    )
    iam.attach_role_policy(RoleName="gha-release", PolicyArn=aws_policy("ReadOnlyAccess"))
    iam.put_role_policy(
        RoleName="gha-release",
        PolicyName="release-write",
        PolicyDocument=doc(allow("s3:PutObject", "arn:aws:s3:::acme-releases/*")),
    )

    iam.create_role(
        RoleName="gha-wide",
        AssumeRolePolicyDocument=trust_principal(
            {"Federated": OIDC_ARN},
            {"StringEquals": {f"{OIDC_HOST}:aud": "sts.amazonaws.com"}},
            web_identity,
        ),
    )
    iam.attach_role_policy(RoleName="gha-wide", PolicyArn=aws_policy("AdministratorAccess"))

    # Service role.
    iam.create_role(
        RoleName="lambda-exec",
        AssumeRolePolicyDocument=trust_principal({"Service": "lambda.amazonaws.com"}),
    )
    iam.put_role_policy(
        RoleName="lambda-exec",
        PolicyName="logs",
        PolicyDocument=doc(allow("logs:PutLogEvents", "*")),
    )

    # Cross-account roles.
    iam.create_role(
        RoleName="vendor-audit",
        AssumeRolePolicyDocument=trust_principal(
            {"AWS": "arn:aws:iam::999988887777:root"},
            {"StringEquals": {"sts:ExternalId": "vendor-7f3a9c"}},
        ),
    )
    iam.attach_role_policy(RoleName="vendor-audit", PolicyArn=aws_policy("SecurityAudit"))

    iam.create_role(
        RoleName="vendor-noext",
        AssumeRolePolicyDocument=trust_principal({"AWS": "arn:aws:iam::444455556666:root"}),
    )
    iam.put_role_policy(
        RoleName="vendor-noext",
        PolicyName="pass-any-role",
        PolicyDocument=doc(allow("iam:PassRole", "*")),
    )

    # Time-bound grants: current, long, expired.
    same_account = trust_principal({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
    windows = {
        "jit-window": (now - timedelta(hours=1), now + timedelta(hours=3)),
        "long-window": (now - timedelta(days=1), now + timedelta(days=30)),
        "expired-window": (now - timedelta(days=3), now - timedelta(days=1)),
    }
    for role, (start, end) in windows.items():
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=same_account)
        iam.put_role_policy(
            RoleName=role,
            PolicyName="time-window",
            PolicyDocument=doc(allow("s3:*", "*", window(start, end))),
        )

    # Standing power with older sessions revoked.
    iam.create_role(RoleName="revoked-sessions", AssumeRolePolicyDocument=same_account)
    iam.attach_role_policy(RoleName="revoked-sessions", PolicyArn=aws_policy("PowerUserAccess"))
    iam.put_role_policy(
        RoleName="revoked-sessions",
        PolicyName="AWSRevokeOlderSessions",
        PolicyDocument=doc(
            {
                "Effect": "Deny",
                "Action": ["*"],
                "Resource": ["*"],
                "Condition": {"DateLessThan": {"aws:TokenIssueTime": iso(now)}},
            }
        ),
    )


def seed_github_oidc(iam):
    """Roles GitHub Actions workflows of org acme can assume (the cross-boundary bridge)."""
    iam.create_open_id_connect_provider(
        Url=f"https://{OIDC_HOST}",
        ClientIDList=["sts.amazonaws.com"],
        ThumbprintList=["6938fd4d98bab03faadb97b34396831e3780aea1"],
    )
    aud = {f"{OIDC_HOST}:aud": "sts.amazonaws.com"}
    web_identity = "sts:AssumeRoleWithWebIdentity"
    iam.create_role(
        RoleName="gha-org-wide",
        AssumeRolePolicyDocument=trust_principal(
            {"Federated": OIDC_ARN},
            {"StringLike": {f"{OIDC_HOST}:sub": "repo:acme/*"}, "StringEquals": aud},
            web_identity,
        ),
    )
    iam.put_role_policy(
        RoleName="gha-org-wide",
        PolicyName="deploy",
        PolicyDocument=doc(allow(["s3:PutObject", "lambda:UpdateFunctionCode"], "*")),
    )
    iam.create_role(
        RoleName="gha-api-prod",
        AssumeRolePolicyDocument=trust_principal(
            {"Federated": OIDC_ARN},
            {"StringEquals": dict(aud, **{f"{OIDC_HOST}:sub": "repo:acme/api:environment:prod"})},
            web_identity,
        ),
    )
    iam.attach_role_policy(RoleName="gha-api-prod", PolicyArn=aws_policy("AdministratorAccess"))


def seed_organization(iam):
    import boto3

    endpoint = iam.meta.endpoint_url
    orgs = boto3.client("organizations", endpoint_url=endpoint, region_name="us-east-1")
    sts = boto3.client("sts", endpoint_url=endpoint, region_name="us-east-1")
    orgs.create_organization(FeatureSet="ALL")
    members = []
    for n in range(1, 7):
        status = orgs.create_account(Email=f"member{n}@example.com", AccountName=f"member-{n}")
        members.append(status["CreateAccountStatus"]["AccountId"])
    suspended = members.pop()
    orgs.close_account(AccountId=suspended)
    for n, account in enumerate(members, start=1):
        # moto maps an assumed role's keys to the role's account: seed each member's IAM.
        creds = sts.assume_role(
            RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
            RoleSessionName="seed",
        )["Credentials"]
        member_iam = boto3.client(
            "iam",
            endpoint_url=endpoint,
            region_name="us-east-1",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        member_iam.create_role(
            RoleName=f"member-{n}-deployer",
            AssumeRolePolicyDocument=json.dumps(
                trust_principal({"Service": "ec2.amazonaws.com"})
            ),
        )
        member_iam.attach_role_policy(
            RoleName=f"member-{n}-deployer", PolicyArn=aws_policy("AdministratorAccess")
        )
    iam.create_role(
        RoleName="management-auditor",
        AssumeRolePolicyDocument=json.dumps(trust_principal({"Service": "ec2.amazonaws.com"})),
    )
    print(json.dumps({"members": members, "suspended": suspended}))


SCENARIOS = {
    "organization": seed_organization,
    "estate": seed_estate,
    "github-oidc": seed_github_oidc,
    "empty": lambda iam: None,
}


def main(argv):
    if len(argv) != 3 or argv[2] not in SCENARIOS:
        names = "|".join(sorted(SCENARIOS))
        print(f"usage: {argv[0]} <endpoint> <{names}>", file=sys.stderr)
        return 2
    endpoint, scenario = argv[1], argv[2]

    # Fake credentials for moto; never real ones.
    for var, value in (
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_SESSION_TOKEN", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
    ):
        os.environ[var] = value
    os.environ.pop("AWS_PROFILE", None)

    import boto3

    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1")
    SCENARIOS[scenario](iam)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as exc:  # report any failure as a non-zero exit
        print(f"seed_moto.py: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(1)
