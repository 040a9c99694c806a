from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Everything the pages load comes from this server; only map tiles may come from the
    tile server the district configured."""

    def __init__(self, get_response):
        self.get_response = get_response
        tiles = ""
        if settings.MAP_TILE_URL:
            from urllib.parse import urlparse

            parts = urlparse(settings.MAP_TILE_URL.replace("{s}", "a"))
            host = parts.netloc.replace("a.", "*.", 1) if "{s}" in settings.MAP_TILE_URL else parts.netloc
            tiles = f" {parts.scheme}://{host}"
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
