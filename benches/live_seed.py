#!/usr/bin/env python3
"""Seed a moto server with an organization for benches/live.sh: ACCOUNTS member accounts of
ROLES roles each (one inline policy and one managed attachment per role).

Usage: live_seed.py ENDPOINT ACCOUNTS ROLES
"""

import json
import os
import sys

import boto3

endpoint, accounts, roles = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for var, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                   ("AWS_DEFAULT_REGION", "us-east-1")):
    os.environ[var] = value
kw = dict(endpoint_url=endpoint, region_name="us-east-1")
orgs = boto3.client("organizations", **kw)
sts = boto3.client("sts", **kw)
orgs.create_organization(FeatureSet="ALL")
trust = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
policy = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}]})
for n in range(accounts):
    account = orgs.create_account(Email=f"m{n}@example.com", AccountName=f"m{n}")[
        "CreateAccountStatus"]["AccountId"]
    c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole",
                        RoleSessionName="seed")["Credentials"]
    iam = boto3.client("iam", aws_access_key_id=c["AccessKeyId"],
                       aws_secret_access_key=c["SecretAccessKey"],
                       aws_session_token=c["SessionToken"], **kw)
    for r in range(roles):
        name = f"role-{r:04d}"
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)
        iam.put_role_policy(RoleName=name, PolicyName="data", PolicyDocument=policy)
        iam.attach_role_policy(RoleName=name, PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
print(f"seeded {accounts} accounts of {roles} roles")
