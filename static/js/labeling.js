// The labeling pages beside the shared shortcuts (shortcuts.js):
// - the guideline panel shows the guideline of the category button under the pointer or focus
//   (every guideline is rendered, escaped, by the server; this only unhides one);
// - a form marked data-submit-once is sent once: a second key press or click while the page is
//   leaving would answer the next item with this item's choice, or hit an answered reservation.
(function () {
  "use strict";
  var sent = false;

  function showGuide(id) {
    var guide = document.getElementById(id);
    if (!guide) { return; }
    document.querySelectorAll(".guide-panel .guide").forEach(function (g) { g.hidden = g !== guide; });
    var empty = document.querySelector("[data-guide-empty]");
    if (empty) { empty.hidden = true; }
  }

  function onPoint(ev) {
    var button = ev.target && ev.target.closest ? ev.target.closest("[data-guide]") : null;
    if (button) { showGuide(button.dataset.guide); }
  }

  document.addEventListener("focusin", onPoint);
  document.addEventListener("mouseover", onPoint);
  document.addEventListener("submit", function (ev) {
    if (!ev.target.matches || !ev.target.matches("form[data-submit-once]")) { return; }
    if (sent) { ev.preventDefault(); return; }
    sent = true;
  });
  // Back/forward cache: a page shown again may be used again.
  window.addEventListener("pageshow", function () { sent = false; });
})();
