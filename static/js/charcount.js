// Character counters for textareas with data-maxlength (templates/supportdesk/_long_text.html):
// "n / limit" as the text changes, a plain message once it is over, and a form with a textarea
// over its limit is not sent (the server refuses it too, with a 400 and the same advice). The
// limit is never a maxlength attribute: that makes a browser cut a paste silently.
// Delegated on document, so textareas a live refetch brings (the feedback form) count as well.
(function () {
  "use strict";

  function length(text) { return Array.from(text).length; }  // code points, as the server counts

  function over(area) { return length(area.value) - Number(area.dataset.maxlength); }

  function show(area) {
    var count = document.getElementById(area.id + "-count");
    var note = document.getElementById(area.id + "-over");
    if (!count) { return; }
    var limit = Number(area.dataset.maxlength), excess = over(area);
    count.textContent = length(area.value) + " / " + limit;
    count.classList.toggle("is-over", excess > 0);
    area.setAttribute("aria-describedby", count.id + (note ? " " + note.id : ""));
    area.setAttribute("aria-invalid", excess > 0 ? "true" : "false");
    if (note) {
      var text = excess > 0 ? "This is " + excess + " character" + (excess === 1 ? "" : "s") + " over the limit of " +
        limit + ". Please shorten it before sending; nothing has been sent or cut." : "";
      if (note.textContent !== text) { note.textContent = text; }
    }
  }

  function showAll(root) { root.querySelectorAll("textarea[data-maxlength]").forEach(show); }

  document.addEventListener("input", function (ev) {
    if (ev.target.matches && ev.target.matches("textarea[data-maxlength]")) { show(ev.target); }
  });
  document.addEventListener("submit", function (ev) {
    var areas = Array.prototype.filter.call(ev.target.querySelectorAll("textarea[data-maxlength]"),
                                            function (a) { return over(a) > 0; });
    if (areas.length) {
      ev.preventDefault();
      areas.forEach(show);
      areas[0].focus();
    }
  }, true);
  document.addEventListener("live:updated", function (ev) { showAll(ev.target); });
  document.addEventListener("DOMContentLoaded", function () { showAll(document); });
})();
