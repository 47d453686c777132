// The agent console's SLA countdowns: the server renders "due in 42 min" / "overdue by 1 h 5 min";
// this keeps each one current every 20 s and after every live refresh, and marks a row that just
// went overdue (the same wording and rule as supportdesk/sla.py).
(function () {
  "use strict";

  function span(seconds) {
    var minutes = Math.max(1, Math.floor(seconds / 60));
    if (minutes < 60) { return minutes + " min"; }
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    if (hours < 48) { return minutes ? hours + " h " + minutes + " min" : hours + " h"; }
    return Math.floor(hours / 24) + " d " + (hours % 24) + " h";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-due]").forEach(function (el) {
      var due = Date.parse(el.dataset.due);
      if (isNaN(due)) { return; }
      var seconds = (due - now) / 1000;
      el.textContent = seconds >= 0 ? "due in " + span(seconds) : "overdue by " + span(-seconds);
      var row = el.closest("tr");
      if (seconds < 0 && row && !row.classList.contains("sla-breached")) {
        row.classList.add("sla-breached");
        var marker = document.createElement("strong");
        marker.className = "sla-marker";
        marker.textContent = "⚠ Overdue";
        el.parentNode.insertBefore(marker, el);
        el.parentNode.insertBefore(document.createTextNode(" "), el);
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 20000);
    document.addEventListener("live:updated", tick);
  });
})();
