// Draws the wall's charts from the JSON options the page carries in data attributes (so the
// Content-Security-Policy needs no inline script), again after htmx swaps the body in,
// and resizes them with the window. Without JavaScript the tables still hold every figure.
(function () {
  "use strict";
  var charts = [];
  function draw(root) {
    if (!window.echarts) { return; }
    charts = charts.filter(function (c) { return !c.isDisposed() && document.body.contains(c.getDom()); });
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      var option = JSON.parse(el.getAttribute("data-option"));
      option.animation = false;  // a wall is read, not watched; and screenshots are exact
      chart.setOption(option);
      el.dataset.drawn = "1";
      charts.push(chart);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { charts.forEach(function (c) { c.resize(); }); }, 150);
  });
})();
