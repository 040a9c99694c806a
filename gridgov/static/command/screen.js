// The big screen: figures every minute, the feed every 15 seconds, the map's layers every
// minute. It runs all day, so nothing grows: one chart instance (setOption), one Leaflet
// layer per kind (cleared and refilled), a feed list cut to FEED_MAX items, and one
// setTimeout chain per poll that schedules the next call only when the last one finished.
(function () {
  "use strict";

  var FEED_MAX = 40;
  var FIGURES_MS = 60000;
  var FEED_MS = 15000;
  var escape = function (t) { return window.CommandMap.escape(t); };

  function poll(fn, every) {
    function next() {
      fn().catch(function () { /* shown in the page; try again next time */ }).then(function () {
        setTimeout(next, every);
      });
    }
    next();
  }

  function text(id, value) {
    document.getElementById(id).textContent = value == null ? "—" : value;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var screen = document.getElementById("screen");
    var feed = document.getElementById("screen-feed");
    var state = document.getElementById("feed-state");
    var chart = echarts.init(document.getElementById("chart-categories"), "dark", { renderer: "canvas" });
    var map = new CommandMap(document.getElementById("command-map"), {});
    map.toggle("grids", true);
    map.setGridMode("light");
    map.toggle("events", true);
    var since = null;
    var seen = new Set();

    function figures() {
      return CommandMap.getJSON("/api/command/screen").then(function (data) {
        if (!data.available) { return; }
        var s = data.summary;
        text("fig-reported", s.reported);
        text("fig-closed", s.closed);
        text("fig-self", s.self_handled);
        text("fig-open", s.open_total);
        text("light-red", s.open.red);
        text("light-yellow", s.open.yellow);
        text("light-green", s.open.green);
        var top = data.top_categories.slice(0, 8).reverse();
        chart.setOption({
          backgroundColor: "transparent",
          grid: { left: 110, right: 30, top: 10, bottom: 20 },
          xAxis: { type: "value", minInterval: 1 },
          yAxis: { type: "category", data: top.map(function (c) { return c.name; }) },
          series: [{ type: "bar", barMaxWidth: 26, data: top.map(function (c) { return c.reported; }), itemStyle: { color: "#3ba7ff" } }],
          animation: false,
        });
        document.getElementById("town-ranking").innerHTML = data.town_ranking.slice(0, 10).map(function (t) {
          return "<tr><td>" + t.rank + "</td><td>" + escape(t.name) + "</td><td>" + t.reported + "</td><td>" + t.closed +
            "</td><td>" + t.overdue + "</td><td>" + (t.score == null ? "—" : t.score.toFixed(1)) + "</td></tr>";
        }).join("");
        screen.dataset.ready = "1";
      });
    }

    function news() {
      var url = "/api/command/feed" + (since ? "?since=" + encodeURIComponent(since) : "");
      return CommandMap.getJSON(url).then(function (data) {
        since = data.now;
        state.textContent = "更新于 " + new Date(data.now).toLocaleTimeString("zh-CN", { hour12: false });
        data.items.slice().reverse().forEach(function (item) {
          var key = item.kind + item.code + item.at + item.title;
          if (seen.has(key)) { return; }
          seen.add(key);
          var li = document.createElement("li");
          li.className = "feed-" + item.kind;
          li.innerHTML = '<span class="feed-time">' + new Date(item.at).toLocaleTimeString("zh-CN", { hour12: false, hour: "2-digit", minute: "2-digit" }) +
            '</span><span class="feed-label">' + escape(item.label) + "</span> " + escape(item.title) +
            ' <span class="feed-where">' + escape(item.where) + "</span>";
          feed.insertBefore(li, feed.firstChild);
        });
        while (feed.children.length > FEED_MAX) { feed.removeChild(feed.lastChild); }
        if (seen.size > 5 * FEED_MAX) { seen = new Set(Array.from(seen).slice(-FEED_MAX * 2)); }
        screen.dataset.feed = String(feed.children.length);
      }).catch(function (error) { state.textContent = error.message; throw error; });
    }

    function layers() {
      map.refresh();
      return Promise.resolve();
    }

    function clock() {
      document.getElementById("screen-clock").textContent = new Date().toLocaleString("zh-CN", { hour12: false });
    }
    clock();
    setInterval(clock, 1000);
    poll(figures, FIGURES_MS);
    poll(news, FEED_MS);
    setTimeout(function () { poll(layers, FIGURES_MS); }, FIGURES_MS);
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
