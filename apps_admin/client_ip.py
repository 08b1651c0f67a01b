"""The client's address: the socket's, or behind TRUSTED_PROXY_COUNT proxies the address the
outermost of them saw.

Each trusted proxy appends the address it received the request from to X-Forwarded-For, so with
N of them the client is the Nth entry from the end; entries before it are the client's own
writing and are never read. Trusting X-Forwarded-Proto (TRUST_X_FORWARDED_PROTO) is a separate
decision: it says nothing of this header.
"""

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR", "")
