// Saved and suggested replies on the agent's ticket page: each "Insert" button puts its text into the
// reply box at the cursor (replacing a selection), on its own paragraph, ready to edit before sending.
// Without JavaScript the buttons stay hidden and the texts are a plain list to copy from.
(function () {
  "use strict";

  function insert(box, text) {
    var start = box.selectionStart, end = box.selectionEnd;
    if (typeof start !== "number") { start = end = box.value.length; }
    var before = box.value.slice(0, start), after = box.value.slice(end);
    var lead = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    var trail = after && !/^\n/.test(after) ? "\n\n" : "";
    var piece = lead + text + trail;
    box.focus();
    box.setRangeText(piece, start, end, "end");
    var caret = start + lead.length + text.length;
    box.setSelectionRange(caret, caret);
    box.dispatchEvent(new Event("input", { bubbles: true }));  // the character counter, if any
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("button[data-insert-from]").forEach(function (button) {
      var box = document.getElementById(button.dataset.insertInto || "id_body");
      var source = document.getElementById(button.dataset.insertFrom);
      if (!box || !source) { return; }
      button.hidden = false;
      button.addEventListener("click", function () { insert(box, source.textContent.trim()); });
    });
  });
})();
