// Render every chart on the page from its JSON spec (a <script type="application/json"> data
// block written by the server), so that the page needs no inline script.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chart.replace(/^chart-/, ""));
      if (!source || !window.Plotly) { return; }
      var fig = JSON.parse(JSON.parse(source.textContent));
      window.Plotly.newPlot(el, fig.data, fig.layout, { responsive: true, displaylogo: false });
    });
  });
})();
