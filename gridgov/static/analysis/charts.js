// Draws one analysis table as an ECharts chart: {kind, title, columns, rows}.
// Every chart carries the toolbox's "save as image" (PNG); gridgovCharts.png(el) returns the
// same picture as a data URL.
window.gridgovCharts = (function () {
  const palette = ["#3a6ea5", "#e6a23c", "#5cb85c", "#d9534f", "#8e6bbf", "#17a2b8", "#f0ad4e", "#6c757d"];

  function base(table) {
    return {
      color: palette,
      animation: false,
      tooltip: {trigger: table.kind === "pie" ? "item" : "axis"},
      toolbox: {right: 8, feature: {saveAsImage: {title: "保存为图片", name: table.title, pixelRatio: 2, backgroundColor: "#fff"}}},
      grid: {left: 12, right: 24, top: 40, bottom: 12, containLabel: true},
    };
  }

  function option(table) {
    const o = base(table);
    const labels = table.rows.map(r => r[0]);
    if (table.kind === "pie") {
      o.legend = {type: "scroll", bottom: 0};
      o.series = [{type: "pie", radius: ["35%", "65%"], top: 20, bottom: 30,
        data: table.rows.map(r => ({name: r[0], value: r[1]})), label: {formatter: "{b}\n{c}（{d}%）"}}];
      return o;
    }
    if (table.kind === "heatmap") {
      const days = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
      const hours = Array.from({length: 24}, (_, h) => h + "时");
      const max = Math.max(1, ...table.rows.map(r => r[2]));
      o.tooltip = {position: "top"};
      o.grid.bottom = 60;
      o.xAxis = {type: "category", data: hours, splitArea: {show: true}};
      o.yAxis = {type: "category", data: days, splitArea: {show: true}};
      o.visualMap = {min: 0, max: max, calculable: true, orient: "horizontal", left: "center", bottom: 0,
        inRange: {color: ["#f4f8fc", "#3a6ea5", "#d9534f"]}};
      o.series = [{type: "heatmap", data: table.rows.map(r => [r[1], days.indexOf(r[0]), r[2]]), label: {show: false}}];
      return o;
    }
    const series = table.columns.slice(1).map((name, i) => ({
      name: name, type: table.kind === "line" ? "line" : "bar", smooth: table.kind === "line",
      data: table.rows.map(r => r[i + 1]), barMaxWidth: 28,
    }));
    if (series.length > 1) o.legend = {top: 0, left: 0};
    const category = {type: "category", data: labels, axisLabel: {interval: table.kind === "hbar" ? 0 : "auto"}};
    const value = {type: "value"};
    if (table.kind === "hbar") {
      category.inverse = true;
      o.xAxis = value; o.yAxis = category;
    } else {
      o.xAxis = category; o.yAxis = value;
    }
    o.series = series;
    return o;
  }

  const drawn = [];
  function draw(el, table) {
    const chart = echarts.init(el, null, {renderer: "canvas"});
    chart.setOption(option(table));
    drawn.push(chart);
    return chart;
  }
  window.addEventListener("resize", () => drawn.forEach(c => c.resize()));

  function png(el) {
    const chart = echarts.getInstanceByDom(el);
    return chart ? chart.getDataURL({type: "png", pixelRatio: 2, backgroundColor: "#fff"}) : null;
  }

  return {draw: draw, png: png, option: option};
})();
