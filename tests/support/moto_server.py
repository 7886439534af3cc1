#!/usr/bin/env python3
"""moto_server, with sts:AssumeRole refused into the accounts listed in the file named by
JITGAP_MOTO_REFUSE_ASSUME_FILE (account ids, one a line; read at every AssumeRole, so a
test can name accounts moto created).

moto does not check that a role exists or that its trust policy lets the caller in, so it
never refuses AssumeRole. AWS answers AccessDenied (HTTP 403) when the trust policy does not
allow the caller: this wraps moto's STS backend to answer exactly that for those accounts.
Everything else is moto as `moto_server` runs it.

Usage: moto_server.py [moto_server arguments]
"""

import os
import sys

from moto.core.exceptions import ServiceException
from moto.sts.models import STSBackend



def refused():
    path = os.environ.get("JITGAP_MOTO_REFUSE_ASSUME_FILE")
    try:
        with open(path or "", encoding="utf-8") as f:
            return [line.strip() for line in f if line.strip()]
    except OSError:
        return []


class AccessDenied(ServiceException):
    code = "AccessDenied"


_assume_role = STSBackend.assume_role


def assume_role(self, region_name, role_session_name, role_arn, *args, **kwargs):
    if any(f":{account}:" in role_arn for account in refused()):
        raise AccessDenied(
            f"User: arn:aws:iam::123456789012:user/moto is not authorized to perform: "
            f"sts:AssumeRole on resource: {role_arn}"
        )
    return _assume_role(self, region_name, role_session_name, role_arn, *args, **kwargs)


STSBackend.assume_role = assume_role

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
