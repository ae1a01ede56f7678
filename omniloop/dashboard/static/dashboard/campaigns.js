// Campaign report charts: ECharts options are built by the view and passed as JSON.
(function () {
  "use strict";
  function draw() {
    var data = document.getElementById("campaign-charts");
    if (!data || !window.echarts) return;
    var options = JSON.parse(data.textContent);
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var option = options[el.getAttribute("data-chart")];
      if (!option) return;
      var chart = window.echarts.init(el, null, { renderer: "canvas" });
      chart.setOption(option);
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (c) { c.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
