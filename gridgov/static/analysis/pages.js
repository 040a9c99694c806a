// The analysis page and the dashboard: draw the tables the server put in the page.
(function () {
  function data(id) {
    const el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  const tables = data("charts-data");
  if (tables) {
    for (const table of tables) {
      gridgovCharts.draw(document.getElementById("chart-" + table.key), table);
    }
    document.querySelectorAll("[data-png]").forEach(link => link.addEventListener("click", event => {
      event.preventDefault();
      const a = document.createElement("a");
      a.href = gridgovCharts.png(document.getElementById("chart-" + link.dataset.png));
      a.download = link.closest("h2").querySelector("span").textContent.trim() + ".png";
      a.click();
    }));
    document.body.dataset.chartsDrawn = tables.length;
  }

  const trend = data("trend-data");
  if (trend) {
    gridgovCharts.draw(document.getElementById("trend"), {kind: "line", title: "上报与结案趋势",
      columns: ["日期", "上报", "结案"], rows: trend.map(d => [d.day.slice(5), d.reported, d.closed])});
  }
  const top = data("top-data");
  if (top) {
    gridgovCharts.draw(document.getElementById("top"), {kind: "hbar", title: "高发事件类别",
      columns: ["类别", "上报"], rows: top.map(c => [c.name, c.reported])});
  }
})();
