// Previews the GeoJSON typed into a textarea on a Leaflet map, over the neighbouring grids
// (data-context), so an administrator sees a pasted boundary before saving it. The server
// validates the polygon again; this only helps the eye.
(function () {
  "use strict";

  function geometryOf(text) {
    var value = JSON.parse(text);
    if (value && value.type === "FeatureCollection" && value.features && value.features.length === 1) {
      value = value.features[0];
    }
    if (value && value.type === "Feature") { value = value.geometry; }
    if (!value || (value.type !== "Polygon" && value.type !== "MultiPolygon")) {
      throw new Error("应为 Polygon 或 MultiPolygon");
    }
    return value;
  }

  function setup(element) {
    var input = document.getElementById(element.dataset.polygonInput);
    if (!input) { return; }
    var map = L.map(element, { zoomSnap: 0.25 });
    map.attributionControl.setPrefix(false);
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.tileAttribution || "" }).addTo(map);
    }
    var status = document.createElement("p");
    status.className = "help";
    element.insertAdjacentElement("afterend", status);
    var context = L.geoJSON(null, {
      style: { color: "#5b6475", weight: 1, fillColor: "#bab0ac", fillOpacity: 0.25 },
      onEachFeature: function (feature, shape) {
        var p = feature.properties || {};
        shape.bindTooltip(p.name || p.code || "", { sticky: true });
      },
    }).addTo(map);
    var drawn = L.geoJSON(null, {
      style: { color: "#b3261e", weight: 3, fillColor: "#b3261e", fillOpacity: 0.2 },
    }).addTo(map);

    function fit() {
      var bounds = drawn.getLayers().length ? drawn.getBounds() : context.getBounds();
      if (bounds.isValid()) {
        map.fitBounds(bounds, { padding: [16, 16] });
      } else {
        map.setView([30.87, 120.1], 11);
      }
    }

    function redraw(refit) {
      drawn.clearLayers();
      if (!input.value.trim()) { status.textContent = ""; fit(); return; }
      try {
        drawn.addData(geometryOf(input.value));
        status.textContent = "";
        if (refit) { fit(); }
      } catch (error) {
        status.textContent = "预览：GeoJSON 无法解析（" + error.message + "）";
      }
    }

    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { redraw(true); }, 300);
    });

    if (element.dataset.context) {
      fetch(element.dataset.context, { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (collection) {
          if (collection) { context.addData(collection); }
          redraw(true);
          element.dataset.ready = "1";
        })
        .catch(function () { redraw(true); element.dataset.ready = "1"; });
    } else {
      redraw(true);
      element.dataset.ready = "1";
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-polygon-input]").forEach(setup);
  });
})();
