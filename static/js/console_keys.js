// The console's keyboard (with shortcuts.js): j / k move the selection through the rows, Enter opens
// the selected ticket, / goes to the search box. The selection is kept by ticket id, so it survives
// the live refreshes that replace the rows.
(function () {
  "use strict";
  var selected = null;  // the data-ticket of the selected row

  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.queue-row[data-ticket]")); }

  function mark() {
    rows().forEach(function (row) {
      var on = row.dataset.ticket === selected;
      row.classList.toggle("selected", on);
      if (on) { row.setAttribute("aria-current", "true"); } else { row.removeAttribute("aria-current"); }
    });
  }

  function move(step) {
    var all = rows();
    if (!all.length) { return false; }
    var at = all.findIndex(function (row) { return row.dataset.ticket === selected; });
    at = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, at + step));
    selected = all[at].dataset.ticket;
    mark();
    all[at].scrollIntoView({ block: "nearest" });
    return true;
  }

  function open() {
    var row = rows().find(function (r) { return r.dataset.ticket === selected; });
    var link = row && row.querySelector("a[href]");
    if (!link) { return false; }
    window.location.assign(link.href);
    return true;
  }

  function search() {
    var box = document.getElementById("queue-q");
    if (!box) { return false; }
    box.focus();
    box.select();
    return true;
  }

  if (window.Shortcuts) {
    window.Shortcuts.register("j", "Next ticket", function () { return move(1); });
    window.Shortcuts.register("k", "Previous ticket", function () { return move(-1); });
    window.Shortcuts.register("Enter", "Open the selected ticket", open);
    window.Shortcuts.register("/", "Search", search);
  }
  document.addEventListener("live:updated", mark);
})();
