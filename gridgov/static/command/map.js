// The command centre's map: layers the operator toggles, each fetched for the visible area
// from /api/command/layers/<name>?bbox=… and redrawn into the same Leaflet layer (cleared,
// never re-created), so a map left open all day does not grow. Used by /map/ and /command/.
(function () {
  "use strict";

  var LIGHT = { red: "#d93025", yellow: "#f2b01e", green: "#1b9e47", "": "#8792a2" };
  var POI_COLOUR = { hospital: "#d93025", school: "#1f5fbf", supplies: "#b26a00", camera: "#5b6475", shelter: "#1b7f3b", other: "#8e44ad" };

  function escape(text) {
    return String(text == null ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function percent(rate) {
    return rate == null ? "—" : (rate * 100).toFixed(1) + "%";
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function getJSON(url, signal) {
    return fetch(url, { credentials: "same-origin", signal: signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) { throw new Error(body.detail || ("加载失败 " + response.status)); }
          return body;
        });
      });
  }

  function dot(colour, size, text, kind) {
    return L.divIcon({
      className: "cmd-dot" + (kind ? " cmd-" + kind : ""),
      html: '<span style="background:' + colour + ";width:" + size + "px;height:" + size + 'px">' + (text || "") + "</span>",
      iconSize: [size, size],
    });
  }

  function gridColour(mode, p) {
    if (mode === "light") { return p.open ? LIGHT[p.light] : "#c9d1dc"; }
    var v = mode === "density" ? p.density : p.open;
    var steps = mode === "density" ? [0, 1, 5, 20, 50] : [0, 1, 3, 6, 10];
    var colours = ["#eef1f6", "#fde0c5", "#f9b37c", "#ef7d3c", "#c8412a"];
    var i = 0;
    while (i + 1 < steps.length && v >= steps[i + 1]) { i++; }
    return colours[i];
  }

  function CommandMap(element, options) {
    var self = this;
    this.element = element;
    this.options = options || {};
    this.active = {};
    this.requests = {};
    this.gridMode = "open";
    var map = (this.map = L.map(element, { zoomSnap: 0.25, maxZoom: 19 }));
    map.attributionControl.setPrefix(false);
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, { attribution: element.dataset.tileAttribution || "" }).addTo(map);
    }
    var extent = JSON.parse(element.dataset.extent || "null");
    if (extent) { map.fitBounds([[extent[1], extent[0]], [extent[3], extent[2]]]); } else { map.setView([30.87, 120.1], 11); }

    this.layers = {
      grids: L.geoJSON(null, {
        style: function (f) {
          return { color: "#2d3e50", weight: 1, fillColor: gridColour(self.gridMode, f.properties), fillOpacity: 0.45 };
        },
        onEachFeature: function (f, shape) {
          shape.bindTooltip(escape(f.properties.name) + "（在办 " + f.properties.open + "）", { sticky: true });
          shape.on("click", function (e) { self.gridCard(f.properties.code, e.latlng); });
        },
      }),
      events: L.markerClusterGroup({
        chunkedLoading: true, showCoverageOnHover: false, maxClusterRadius: 50,
        iconCreateFunction: function (cluster) {
          var lights = {};
          cluster.getAllChildMarkers().forEach(function (m) { lights[m.options.light] = true; });
          var colour = lights.red ? LIGHT.red : lights.yellow ? LIGHT.yellow : LIGHT.green;
          return dot(colour, 34, cluster.getChildCount(), "cluster");
        },
      }),
      cells: L.layerGroup(),
      heat: L.heatLayer([], { radius: 22, blur: 18, maxZoom: 15 }),
      patrols: L.layerGroup(),
      track: L.layerGroup(),
      pois: L.layerGroup(),
    };
    this.replayTimer = null;
    var debounce = null;
    map.on("moveend", function () {
      clearTimeout(debounce);
      debounce = setTimeout(function () { self.refresh(); }, 250);
    });
  }

  CommandMap.prototype.bbox = function () {
    return this.map.getBounds().toBBoxString();
  };

  CommandMap.prototype.toggle = function (name, on) {
    this.active[name] = on;
    var layers = name === "events" ? [this.layers.events, this.layers.cells] : name === "patrols" ? [this.layers.patrols, this.layers.track] : [this.layers[name]];
    var map = this.map;
    layers.forEach(function (layer) { if (on) { layer.addTo(map); } else { map.removeLayer(layer); } });
    if (on) { this.load(name); } else { this.element.dataset[name] = ""; }
  };

  CommandMap.prototype.setGridMode = function (mode) {
    this.gridMode = mode;
    var self = this;
    this.layers.grids.setStyle(function (f) {
      return { color: "#2d3e50", weight: 1, fillColor: gridColour(self.gridMode, f.properties), fillOpacity: 0.45 };
    });
  };

  CommandMap.prototype.refresh = function () {
    for (var name in this.active) { if (this.active[name]) { this.load(name); } }
  };

  CommandMap.prototype.load = function (name) {
    var self = this;
    if (this.requests[name]) { this.requests[name].abort(); }
    var controller = (this.requests[name] = new AbortController());
    var url = "/api/command/layers/" + name + "?bbox=" + encodeURIComponent(this.bbox());
    if (name === "pois" && this.options.poiKinds) {
      this.options.poiKinds().forEach(function (k) { url += "&kind=" + encodeURIComponent(k); });
    }
    getJSON(url, controller.signal).then(function (data) {
      self["draw_" + name](data);
      self.element.dataset[name] = "ready";
    }).catch(function (error) {
      if (error.name === "AbortError") { return; }
      self.element.dataset[name] = "error";
      if (self.options.onError) { self.options.onError(error.message); }
    });
  };

  CommandMap.prototype.draw_grids = function (data) {
    this.layers.grids.clearLayers();
    this.layers.grids.addData(data);
    if (this.options.onNote) { this.options.onNote(data.too_many ? "网格过多，请放大地图查看网格着色" : ""); }
  };

  CommandMap.prototype.draw_events = function (data) {
    var self = this;
    this.layers.events.clearLayers();
    this.layers.cells.clearLayers();
    if (data.mode === "cells") {
      data.cells.forEach(function (c) {
        var colour = c.red ? LIGHT.red : c.yellow ? LIGHT.yellow : LIGHT.green;
        var size = Math.min(46, 18 + Math.round(Math.log(c.n + 1) * 4));
        L.marker([c.lat, c.lon], { icon: dot(colour, size, c.n, "cell") })
          .bindTooltip("在办 " + c.n + " 件，超期 " + c.red + "，临期 " + c.yellow)
          .on("click", function (e) { self.map.setView(e.latlng, self.map.getZoom() + 2); })
          .addTo(self.layers.cells);
      });
      return;
    }
    var markers = data.points.map(function (p) {
      return L.marker([p.lat, p.lon], { icon: dot(LIGHT[p.light], 14, "", "event"), light: p.light, title: p.title })
        .on("click", function (e) { self.eventCard(p.code, e.latlng); });
    });
    this.layers.events.addLayers(markers);
  };

  CommandMap.prototype.draw_heat = function (data) {
    var max = 1;
    data.cells.forEach(function (c) { if (c.n > max) { max = c.n; } });
    this.layers.heat.setOptions({ max: max });
    this.layers.heat.setLatLngs(data.cells.map(function (c) { return [c.lat, c.lon, c.n]; }));
  };

  CommandMap.prototype.draw_patrols = function (data) {
    var self = this;
    this.layers.patrols.clearLayers();
    data.workers.forEach(function (w) {
      var stale = w.age_minutes > 30;
      L.marker([w.lat, w.lon], { icon: dot(stale ? "#8792a2" : "#1f5fbf", 16, "", "worker") })
        .bindPopup(
          '<div class="cmd-card"><strong>' + escape(w.name) + "</strong><br>最后定位：" + w.age_minutes + " 分钟前" +
          '<br><button type="button" class="link-button" data-replay="' + w.patrol_id + '">轨迹回放</button></div>'
        )
        .on("popupopen", function (e) {
          var button = e.popup.getElement().querySelector("[data-replay]");
          if (button) { button.addEventListener("click", function () { self.replay(w.patrol_id); }); }
        })
        .addTo(self.layers.patrols);
    });
  };

  CommandMap.prototype.replay = function (patrolId) {
    var self = this;
    clearInterval(this.replayTimer);
    this.layers.track.clearLayers();
    getJSON("/api/command/patrols/" + patrolId + "/track").then(function (data) {
      var points = data.points.map(function (p) { return [p[1], p[0]]; });
      if (!points.length) { self.element.dataset.track = "empty"; return; }
      L.polyline(points, { color: "#1f5fbf", weight: 3, opacity: 0.7 }).addTo(self.layers.track);
      var walker = L.circleMarker(points[0], { radius: 7, color: "#fff", fillColor: "#b3261e", fillOpacity: 1 }).addTo(self.layers.track);
      var i = 0;
      self.replayTimer = setInterval(function () {
        i += Math.max(1, Math.floor(points.length / 200));
        if (i >= points.length) { clearInterval(self.replayTimer); i = points.length - 1; }
        walker.setLatLng(points[i]);
      }, 50);
      self.element.dataset.track = String(points.length);
    });
  };

  CommandMap.prototype.draw_pois = function (data) {
    var self = this;
    this.layers.pois.clearLayers();
    data.pois.forEach(function (p) {
      L.marker([p.lat, p.lon], { icon: dot(POI_COLOUR[p.kind] || "#333", 12, "", "poi") })
        .bindPopup('<div class="cmd-card"><strong>' + escape(p.name) + "</strong>（" + escape(p.kind_label) + "）<br>" +
          escape(p.address) + (p.phone ? "<br>电话：" + escape(p.phone) : "") + "</div>")
        .addTo(self.layers.pois);
    });
  };

  CommandMap.prototype.popup = function (latlng, html) {
    return L.popup({ maxWidth: 320 }).setLatLng(latlng).setContent(html).openOn(this.map);
  };

  CommandMap.prototype.gridCard = function (code, latlng) {
    var self = this;
    getJSON("/api/command/grids/" + encodeURIComponent(code)).then(function (g) {
      var ind = g.indicators;
      var html = '<div class="cmd-card"><strong><a href="' + g.url + '">' + escape(g.name) + "</a></strong> <span class=muted>" + escape(g.village) + "</span>" +
        "<br>网格员：" + (g.workers.map(function (w) { return escape(w.name); }).join("、") || "未配备") +
        "<br>户数 " + g.households + " · 人口 " + g.population +
        "<br>在办事件 " + g.open + "（超期 " + g.red + "，临期 " + g.yellow + "）" +
        "<br>近" + ind.days + "天上报 " + ind.reported + "，处置 " + ind.handled + "，结案 " + ind.closed +
        "<br>结案率 " + percent(ind.close_rate) + "，按期处置率 " + percent(ind.on_time_handle_rate) +
        "，自行处置占比 " + percent(ind.self_handled_share) +
        (g.open_events.length ? "<ul>" + g.open_events.map(function (e) {
          return '<li><i class="cmd-light" style="background:' + LIGHT[e.light] + '"></i><a href="' + e.url + '">' + escape(e.title) + "</a></li>";
        }).join("") + "</ul>" : "") + "</div>";
      self.popup(latlng, html);
    });
  };

  CommandMap.prototype.eventCard = function (code, latlng) {
    var self = this;
    getJSON("/api/command/events/" + encodeURIComponent(code)).then(function (e) {
      var actions = e.actions.map(function (a) {
        return '<a class="button secondary small" href="' + e.url + "#panel-" + a.key + '">' + escape(a.label) + "</a>";
      }).join(" ");
      var html = '<div class="cmd-card"><strong><a href="' + e.url + '">' + escape(e.title) + "</a></strong>" +
        "<br><code>" + escape(e.code) + "</code> " + escape(e.status) + ' <i class="cmd-light" style="background:' + LIGHT[e.light] + '"></i>' +
        "<br>" + escape(e.category) + " · " + escape(e.level) + " · " + escape(e.grid) +
        (e.address ? "<br>" + escape(e.address) : "") +
        '<div class="cmd-actions">' + actions +
        (e.can_call ? ' <button type="button" class="primary small" data-call="' + escape(e.code) + '">一键呼叫</button>' : "") +
        '</div><div class="cmd-result"></div></div>';
      var popup = self.popup(latlng, html);
      var button = popup.getElement().querySelector("[data-call]");
      if (button) {
        button.addEventListener("click", function () {
          button.disabled = true;
          fetch("/api/command/events/" + encodeURIComponent(code) + "/call", {
            method: "POST", credentials: "same-origin",
            headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
            body: JSON.stringify({ note: "" }),
          }).then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
            .then(function (res) {
              popup.getElement().querySelector(".cmd-result").textContent = res.ok
                ? "已呼叫：" + res.body.recipients.join("、") : (res.body.detail + " " + JSON.stringify(res.body.errors || ""));
            });
        });
      }
    });
  };

  window.CommandMap = CommandMap;
  window.CommandMap.escape = escape;
  window.CommandMap.getJSON = getJSON;
  window.CommandMap.LIGHT = LIGHT;
})();
