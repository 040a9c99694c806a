// The report form: pick a category by typing, pick a point on the map (or take the phone's
// position), see which grid it falls in and which open events nearby may be the same one.
// The server checks everything again; this only spares the reporter a round trip.
(function () {
  "use strict";

  var MAX_RESULTS = 12;

  function categoryPicker(form, onChange) {
    var search = document.getElementById("category-search");
    var results = document.getElementById("category-results");
    var chosen = document.getElementById("category-chosen");
    var hidden = form.querySelector("input[name=category]");
    var data = JSON.parse(document.getElementById("category-data").textContent);

    function matches(query) {
      var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
      if (!terms.length) { return []; }
      return data.filter(function (c) {
        var text = c.search.toLowerCase();
        return terms.every(function (t) { return text.indexOf(t) >= 0; });
      }).slice(0, MAX_RESULTS);
    }

    function choose(c) {
      hidden.value = c.id;
      chosen.innerHTML = "";
      chosen.appendChild(document.createTextNode("已选："));
      var strong = document.createElement("strong");
      strong.textContent = c.major ? c.major + " › " + c.name : c.name;
      chosen.appendChild(strong);
      results.innerHTML = "";
      search.value = "";
      onChange();
    }

    function show() {
      results.innerHTML = "";
      var found = matches(search.value);
      if (!found.length && search.value.trim()) {
        var none = document.createElement("li");
        none.className = "muted";
        none.textContent = "没有匹配的分类，换个关键词试试";
        results.appendChild(none);
      }
      found.forEach(function (c) {
        var item = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "picker-option";
        button.dataset.categoryId = c.id;
        button.innerHTML = "";
        if (c.major) {
          var major = document.createElement("span");
          major.className = "muted";
          major.textContent = c.major + " › ";
          button.appendChild(major);
        }
        button.appendChild(document.createTextNode(c.name));
        button.addEventListener("click", function () { choose(c); });
        item.appendChild(button);
        results.appendChild(item);
      });
    }

    search.addEventListener("input", show);
    search.addEventListener("keydown", function (event) {
      // Enter picks the first match instead of submitting the whole report.
      if (event.key === "Enter") {
        event.preventDefault();
        var first = matches(search.value)[0];
        if (first) { choose(first); }
      }
    });
  }

  function setup(form) {
    var element = document.getElementById("report-map");
    var lon = document.getElementById("id_lon");
    var lat = document.getElementById("id_lat");
    var result = document.getElementById("locate-result");
    var duplicates = document.getElementById("duplicates");
    var map = L.map(element, { zoomSnap: 0.25 });
    map.attributionControl.setPrefix(false);
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.tileAttribution || "" }).addTo(map);
    }
    map.setView([30.87, 120.1], 11);
    var area = L.geoJSON(null, {
      style: { color: "#5b6475", weight: 1, fillColor: "#76b7b2", fillOpacity: 0.18 },
      onEachFeature: function (feature, shape) {
        var p = feature.properties || {};
        shape.bindTooltip(p.name || p.code || "", { sticky: true });
      },
    }).addTo(map);
    var located = L.geoJSON(null, {
      style: { color: "#b3261e", weight: 3, fillColor: "#b3261e", fillOpacity: 0.12 },
      interactive: false,
    }).addTo(map);
    var marker = null;
    var pending = null;

    function hasPoint() {
      return lon.value !== "" && lat.value !== "" && isFinite(lon.value) && isFinite(lat.value);
    }

    function placeMarker() {
      if (!hasPoint()) { return; }
      var point = L.latLng(Number(lat.value), Number(lon.value));
      if (marker) {
        marker.setLatLng(point);
      } else {
        marker = L.circleMarker(point, { radius: 9, color: "#fff", weight: 3, fillColor: "#b3261e", fillOpacity: 1 }).addTo(map);
      }
    }

    function check() {
      if (!hasPoint()) { return; }
      var params = new URLSearchParams({
        lon: lon.value, lat: lat.value,
        category: form.querySelector("input[name=category]").value,
        title: form.querySelector("[name=title]").value,
        description: form.querySelector("[name=description]").value,
      });
      if (pending) { pending.abort(); }
      pending = new AbortController();
      result.className = "locate-result busy";
      result.textContent = "正在定位网格…";
      fetch(form.dataset.checkUrl + "?" + params.toString(), { credentials: "same-origin", signal: pending.signal })
        .then(function (response) {
          if (!response.ok) { throw new Error("定位失败（" + response.status + "）"); }
          return response.json();
        })
        .then(function (data) {
          result.className = "locate-result " + (data.ok ? "ok" : "bad");
          result.textContent = (data.ok ? "所在网格：" : "") + data.message;
          located.clearLayers();
          if (data.grid) { located.addData(data.grid.geometry); }
          duplicates.innerHTML = data.duplicates_html;
          form.dataset.checked = data.ok ? "ok" : "bad";
        })
        .catch(function (error) {
          if (error.name === "AbortError") { return; }
          result.className = "locate-result bad";
          result.textContent = error.message;
        });
    }

    function setPoint(latlng) {
      lon.value = latlng.lng.toFixed(6);
      lat.value = latlng.lat.toFixed(6);
      placeMarker();
      check();
    }

    map.on("click", function (event) { setPoint(event.latlng); });
    area.on("click", function (event) { setPoint(event.latlng); });
    [lon, lat].forEach(function (input) {
      input.addEventListener("change", function () { placeMarker(); check(); });
    });
    ["title", "description"].forEach(function (name) {
      form.querySelector("[name=" + name + "]").addEventListener("change", check);
    });

    document.getElementById("locate-me").addEventListener("click", function () {
      if (!navigator.geolocation) {
        result.className = "locate-result bad";
        result.textContent = "此浏览器不支持定位，请在地图上点选";
        return;
      }
      result.className = "locate-result busy";
      result.textContent = "正在获取当前位置…";
      navigator.geolocation.getCurrentPosition(
        function (position) {
          var point = L.latLng(position.coords.latitude, position.coords.longitude);
          map.setView(point, Math.max(map.getZoom(), 15), { animate: false });
          setPoint(point);
        },
        function (error) {
          result.className = "locate-result bad";
          result.textContent = "无法获取当前位置（" + error.message + "），请在地图上点选";
        },
        { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 }
      );
    });

    fetch(form.dataset.areaUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (collection) {
        if (collection && collection.features.length) {
          area.addData(collection);
          if (!hasPoint()) { map.fitBounds(area.getBounds(), { padding: [12, 12] }); }
        }
        element.dataset.ready = "1";
      });
    if (hasPoint()) {
      placeMarker();
      map.setView(marker.getLatLng(), 15, { animate: false });
      check();
    }

    categoryPicker(form, check);

    var selfHandled = document.getElementById("id_self_handled");
    var selfFields = document.getElementById("self-handle-fields");
    if (selfHandled && selfFields) {
      var toggle = function () { selfFields.hidden = !selfHandled.checked; };
      selfHandled.addEventListener("change", toggle);
      toggle();
    }

    form.addEventListener("submit", function () {
      // A second click would be harmless (the idempotency key), but it should not look possible.
      var button = document.getElementById("report-submit");
      button.disabled = true;
      button.textContent = "正在提交…";
    });
    window.addEventListener("pageshow", function () {
      var button = document.getElementById("report-submit");
      button.disabled = false;
      button.textContent = "提交上报";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("report-form");
    if (form) { setup(form); }
  });
})();
