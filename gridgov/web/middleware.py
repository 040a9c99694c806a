from urllib.parse import urlsplit

from django.conf import settings


def tile_sources(url: str, subdomains: str) -> list[str]:
    """The CSP sources a tile URL template loads from.

    CSP allows a wildcard only as a whole leading label (`*.tianditu.gov.cn`), so a host
    like `t{s}.tianditu.gov.cn` is written out once for each subdomain Leaflet puts in
    `{s}`: t0.tianditu.gov.cn, t1.tianditu.gov.cn, … and nothing else is allowed.
    """
    if not url:
        return []
    urls = [url.replace("{s}", s) for s in subdomains] if "{s}" in url else [url]
    sources: list[str] = []
    for each in urls:
        parts = urlsplit(each)
        # A scheme-relative template (//host/…) loads over the page's own scheme.
        source = f"{parts.scheme}://{parts.netloc}" if parts.scheme else parts.netloc
        if source not in sources:
            sources.append(source)
    return sources


class ContentSecurityPolicyMiddleware:
    """Everything the pages load comes from this server; only map tiles may come from the
    tile server the district configured."""

    def __init__(self, get_response):
        self.get_response = get_response
        sources = tile_sources(settings.MAP_TILE_URL, settings.MAP_TILE_SUBDOMAINS)
        tiles = "".join(f" {source}" for source in sources)
        self.policy = (
            "default-src 'self'; "
            f"img-src 'self' data: blob:{tiles}; "
            "style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-eval'; "
            "connect-src 'self'; "
            "frame-ancestors 'none'; "
            "base-uri 'self'; form-action 'self'"
        )

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
