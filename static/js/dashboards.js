// Render every chart on the page from its JSON spec (a <script type="application/json"> data
// block written by the server), so that the page needs no inline script.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.dataset.chart.replace(/^chart-/, ""));
      if (!source || !window.Plotly) { return; }
      var fig = JSON.parse(JSON.parse(source.textContent));
      // Plotly sizes a responsive plot to its container's computed width, which under
      // box-sizing: border-box includes the card's padding: draw into an unpadded child instead.
      var plot = document.createElement("div");
      el.appendChild(plot);
      window.Plotly.newPlot(plot, fig.data, fig.layout, { responsive: true, displaylogo: false });
    });
  });
})();
