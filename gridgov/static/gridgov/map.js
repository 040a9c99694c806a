// Draws the GeoJSON named by a map element's data-geojson on a Leaflet map.
// The polygons themselves are the base map; a tile layer is added only when the
// district configured a tile server (政务外网 often has no internet).
(function () {
  "use strict";

  var PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#e15759", "#bab0ac"];

  function styleFor(feature, index) {
    var p = feature.properties || {};
    if (p.self) {
      return { color: "#b3261e", weight: 3, fillColor: "#b3261e", fillOpacity: 0.25 };
    }
    return {
      color: "#2d3e50",
      weight: 1,
      fillColor: p.oversized ? "#e8a33d" : PALETTE[index % PALETTE.length],
      fillOpacity: 0.35,
    };
  }

  function draw(element) {
    var map = L.map(element, { zoomSnap: 0.25 });
    map.attributionControl.setPrefix(false);
    if (element.dataset.tileUrl) {
      // {s} in the URL takes one character of the subdomains in turn (天地图: t0 … t7).
      L.tileLayer(element.dataset.tileUrl, {
        attribution: element.dataset.tileAttribution || "",
        subdomains: element.dataset.tileSubdomains || "abc",
      }).addTo(map);
    }
    var link = element.dataset.link;
    fetch(element.dataset.geojson, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("地图数据加载失败 (" + response.status + ")"); }
        return response.json();
      })
      .then(function (collection) {
        var index = 0;
        var layer = L.geoJSON(collection, {
          style: function (feature) { return styleFor(feature, index++); },
          onEachFeature: function (feature, shape) {
            var p = feature.properties || {};
            shape.bindTooltip(p.name || p.code, { sticky: true });
            if (link && !p.self) {
              shape.on("click", function () { window.location.href = link + p.code + "/"; });
            }
          },
        }).addTo(map);
        element.dataset.features = String(collection.features.length);
        if (collection.features.length) {
          map.fitBounds(layer.getBounds(), { padding: [12, 12] });
        } else {
          map.setView([30.87, 120.1], 11);
          element.insertAdjacentHTML("beforeend", '<div class="map-empty">暂无边界数据</div>');
        }
        element.dataset.ready = "1";
      })
      .catch(function (error) {
        element.textContent = error.message;
        element.dataset.ready = "error";
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-geojson]").forEach(draw);
  });
})();
