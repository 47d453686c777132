// Render every chart on the page from its JSON spec (a <script type="application/json"> data
// block written by the server), so that the page needs no inline script.
(function () {
  "use strict";
  // A plot drawn from a spec without a height fills its container's height, which the page's CSS
  // fixes (.charts .chart-plot); this is the height used if no CSS gives the container one.
  var FALLBACK_HEIGHT = 320;

  function draw(el) {
    var source = document.getElementById(el.dataset.chart.replace(/^chart-/, ""));
    if (!source || !window.Plotly) { return; }
    var fig = JSON.parse(JSON.parse(source.textContent));
    // Plotly sizes a responsive plot to its container's computed size, which under
    // box-sizing: border-box includes the card's padding: draw into an unpadded child instead.
    var plot = document.createElement("div");
    plot.className = "chart-plot";
    el.appendChild(plot);
    // Responsive plotly without a layout height takes its container's height; a container that CSS
    // gives none (height 0) gets a fixed one here rather than plotly's 450 px guess.
    if (!fig.layout.height && plot.clientHeight === 0) { fig.layout.height = FALLBACK_HEIGHT; }
    window.Plotly.newPlot(plot, fig.data, fig.layout, { responsive: true, displaylogo: false });
    if (fig.layout.meta && fig.layout.meta.links) { followLinks(plot); }
    return plot;
  }

  // A figure whose layout.meta.links is set carries, per point, the path of the page behind it in
  // customdata: a click opens it. Only paths on this site: "/x", not "//host", "/\\host" (which
  // browsers read as "//host") or "javascript:".
  function followLinks(plot) {
    plot.classList.add("chart-links");
    plot.on("plotly_click", function (event) {
      var link = event && event.points && event.points[0] && event.points[0].customdata;
      if (typeof link === "string" && /^\/(?![\/\\])/.test(link)) { window.location.assign(link); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var plots = [];
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var plot = draw(el);
      if (plot) { plots.push(plot); }
    });
    // plotly's responsive mode follows window resizes only; a card can also change size without one
    // (the grid reflowing to another column count, a scrollbar appearing): follow the plots themselves.
    if (!window.ResizeObserver || !plots.length) { return; }
    var pending = null;
    var observer = new ResizeObserver(function () {
      if (pending) { window.cancelAnimationFrame(pending); }
      pending = window.requestAnimationFrame(function () {
        pending = null;
        plots.forEach(function (plot) {
          if (plot.offsetParent) { window.Plotly.Plots.resize(plot); }  // a hidden plot has no size
        });
      });
    });
    plots.forEach(function (plot) { observer.observe(plot); });
  });
})();
