// The small map of an event's page: the grid's polygon and the reported point. The data
// comes inline with the page (json_script), so the map needs no request of its own.
(function () {
  "use strict";

  function draw(element) {
    var source = document.getElementById(element.dataset.eventMap);
    if (!source || typeof L === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var map = L.map(element, { zoomSnap: 0.25, scrollWheelZoom: false });
    map.attributionControl.setPrefix(false);
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.tileAttribution || "" }).addTo(map);
    }
    var point = L.latLng(data.point[1], data.point[0]);
    // The view is set before anything is drawn: Leaflet cannot draw on a map without one.
    var grid = L.geoJSON(data.grid, {
      style: { color: "#2d3e50", weight: 2, fillColor: "#4e79a7", fillOpacity: 0.15 },
    });
    var bounds = grid.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds.extend(point), { padding: [16, 16] });
    } else {
      map.setView(point, 16);
    }
    grid.addTo(map).bindTooltip(data.grid_name, { sticky: true });
    L.circleMarker(point, { radius: 9, color: "#fff", weight: 3, fillColor: "#b3261e", fillOpacity: 1 })
      .addTo(map)
      .bindTooltip(data.title, { direction: "top", offset: [0, -8] });
    element.dataset.ready = "1";
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-event-map]").forEach(draw);
  });
})();
