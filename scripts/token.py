"""Print a development bearer token (and nothing else), signed with the development key."""

from __future__ import annotations

import argparse
import sys

from shared.auth import Role, issue_token
from shared.settings import DEV_AUDIENCE, DEV_ISSUER, DEV_JWT_KEY

ROLES = [role.value for role in Role]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--role", default="", help=f"one of {', '.join(ROLES)}; comma-separate several"
    )
    parser.add_argument("--sub", default="", help="subject (defaults to dev-<role>)")
    parser.add_argument("--ttl", type=int, default=8 * 3600, help="seconds")
    args = parser.parse_args()
    roles = [r.strip() for r in args.role.split(",") if r.strip()]
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        print(f"usage: make token ROLE=<{'|'.join(ROLES)}> [SUB=<subject>]", file=sys.stderr)
        return 2
    subject = args.sub or f"dev-{roles[0]}"
    print(
        issue_token(
            key=DEV_JWT_KEY,
            subject=subject,
            roles=roles,
            issuer=DEV_ISSUER,
            audience=DEV_AUDIENCE,
            ttl_seconds=args.ttl,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
