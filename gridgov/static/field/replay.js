// A patrol's track replayed on the map: the whole line, and a marker that walks it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var element = document.getElementById("replay-map");
    if (!element) { return; }
    var slider = document.getElementById("replay-slider");
    var label = document.getElementById("replay-time");
    var play = document.getElementById("replay-play");
    var map = L.map(element);
    map.attributionControl.setPrefix(false);
    map.setView([30.87, 120.1], 12);
    // The base map is the grids themselves: the worker's own and those the track crossed.
    var grids = document.getElementById("replay-grids");
    if (grids) {
      L.geoJSON(JSON.parse(grids.textContent), {
        style: { color: "#5b6475", weight: 1, fillColor: "#76b7b2", fillOpacity: 0.18 },
        onEachFeature: function (feature, shape) { shape.bindTooltip(feature.properties.name || "", { sticky: true }); },
      }).addTo(map);
    }
    fetch(element.dataset.track, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (points) {
      element.dataset.points = points.length;
      if (!points.length) { label.textContent = "没有轨迹点"; return; }
      var line = points.map(function (p) { return [p[2], p[1]]; });
      var path = L.polyline(line, { color: "#b3261e", weight: 4 }).addTo(map);
      L.circleMarker(line[0], { radius: 6, color: "#146c2e" }).addTo(map).bindTooltip("起点");
      map.fitBounds(path.getBounds(), { padding: [20, 20] });
      var marker = L.circleMarker(line[0], { radius: 8, color: "#fff", weight: 3, fillColor: "#0b4fae", fillOpacity: 1 }).addTo(map);
      slider.max = points.length - 1;
      function show(i) {
        marker.setLatLng(line[i]);
        label.textContent = new Date(points[i][0]).toLocaleTimeString("zh-CN") + "（" + (i + 1) + "/" + points.length + "）";
      }
      slider.addEventListener("input", function () { show(Number(slider.value)); });
      var timer = null;
      play.addEventListener("click", function () {
        if (timer) { clearInterval(timer); timer = null; play.textContent = "▶ 回放"; return; }
        play.textContent = "❚❚ 暂停";
        timer = setInterval(function () {
          var i = Number(slider.value) + 1;
          if (i >= points.length) { clearInterval(timer); timer = null; play.textContent = "▶ 回放"; return; }
          slider.value = i;
          show(i);
        }, 100);
      });
      show(0);
      element.dataset.ready = "1";
    });
  });
})();
