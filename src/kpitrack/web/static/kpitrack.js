// kpitrack's charts: each <div class="chart" data-kind=… data-chart=JSON> becomes an ECharts chart.
// The data comes from the server as JSON in an attribute (escaped by the template), never as inline script.
(function () {
  "use strict";
  function spending(data, title) {
    return {
      title: { text: title, textStyle: { fontSize: 13 } },
      animation: false,  // drawn at once: what a screenshot or a printout shows is the final chart
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { top: 40, left: 56, right: 20, bottom: 56 },
      xAxis: { type: "category", data: data.quarters },
      yAxis: { type: "value", name: data.unit },
      series: data.series.map(function (s, i) {
        return { name: s.name, type: "line", data: s.data, lineStyle: i === 2 ? { type: "dashed" } : {} };
      }),
    };
  }
  function tiers(data, title) {
    return {
      title: { text: title, textStyle: { fontSize: 13 } },
      animation: false,  // drawn at once: what a screenshot or a printout shows is the final chart
      tooltip: { trigger: "axis" },
      legend: { bottom: 0 },
      grid: { top: 40, left: 40, right: 20, bottom: 56 },
      xAxis: { type: "category", data: data.tiers },
      yAxis: { type: "value" },
      series: data.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; }),
    };
  }
  var kinds = { spending: spending, tiers: tiers };
  function draw(root) {
    if (typeof echarts === "undefined") { return; }
    root.querySelectorAll("div.chart[data-chart]").forEach(function (el) {
      var make = kinds[el.dataset.kind];
      if (!make || el.dataset.drawn) { return; }
      echarts.init(el, null, { renderer: "canvas" }).setOption(make(JSON.parse(el.dataset.chart), el.dataset.title));
      el.dataset.drawn = "1";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
