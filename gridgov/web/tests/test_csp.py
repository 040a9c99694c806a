"""The Content-Security-Policy header, with and without a tile server."""

import re

import pytest

TIANDITU = "http://t{s}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=abc"

# A CSP host-source: an optional scheme, a host whose only wildcard is a whole leading
# label, an optional port (CSP3 §2.3.1).
HOST_SOURCE = re.compile(
    r"^(?:[a-z][a-z0-9+.-]*://)?(?:\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(?:\d+|\*))?$"
)
KEYWORDS = {"'self'", "data:", "blob:"}


def img_sources(response) -> list[str]:
    directives = dict(
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    )
    return directives["img-src"].split()


@pytest.fixture
def tianditu(settings):
    settings.MAP_TILE_URL = TIANDITU
    settings.MAP_TILE_SUBDOMAINS = "01234567"


def test_a_tianditu_url_allows_tiles_from_each_of_its_subdomains_and_no_other_host(
    client, db, tianditu
):
    sources = img_sources(client.get("/login/"))
    assert sources == ["'self'", "data:", "blob:"] + [
        f"http://t{n}.tianditu.gov.cn" for n in range(8)
    ]
    assert all(HOST_SOURCE.match(s) for s in sources if s not in KEYWORDS), sources


def test_every_tile_source_is_a_valid_host_source(client, db, settings):
    settings.MAP_TILE_URL = "https://{s}.tiles.example.gov.cn:8443/{z}/{x}/{y}.png"
    settings.MAP_TILE_SUBDOMAINS = "abc"
    sources = img_sources(client.get("/login/"))
    assert sources[3:] == [
        "https://a.tiles.example.gov.cn:8443",
        "https://b.tiles.example.gov.cn:8443",
        "https://c.tiles.example.gov.cn:8443",
    ]
    assert all(HOST_SOURCE.match(s) for s in sources[3:])


def test_a_url_without_subdomains_allows_its_one_host(client, db, settings):
    settings.MAP_TILE_URL = "http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png"
    assert img_sources(client.get("/login/"))[3:] == ["http://10.1.2.3:8080"]


def test_without_a_tile_server_images_come_only_from_this_server(client, db, settings):
    settings.MAP_TILE_URL = ""
    assert img_sources(client.get("/login/")) == ["'self'", "data:", "blob:"]


def test_the_map_pages_pass_the_subdomains_to_the_tile_layer(client, world, tianditu):
    client.force_login(world.otto)
    for url in [f"/territory/{world.town_a.code}/", f"/grids/{world.grid_a1.code}/"]:
        page = client.get(url).content.decode()
        assert 'data-tile-subdomains="01234567"' in page, url
        assert 'data-tile-url="http://t{s}.tianditu.gov.cn/DataServer?' in page, url
