// Keyboard shortcuts for labeling and review: a key clicks the button whose data-key it is
// (number keys and letters for categories, S skip, Z undo, N next). Typing in a field is left alone.
(function () {
  "use strict";
  var busy = false;  // one press, one submission
  document.addEventListener("keydown", function (ev) {
    if (busy || ev.ctrlKey || ev.metaKey || ev.altKey || ev.repeat) { return; }
    var tag = (ev.target && ev.target.tagName) || "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (ev.target && ev.target.isContentEditable)) { return; }
    var key = (ev.key || "").toLowerCase();
    if (key.length !== 1) { return; }
    var button = document.querySelector("[data-shortcuts] [data-key=\"" + CSS.escape(key) + "\"]");
    if (button && !button.disabled) {
      ev.preventDefault();
      busy = true;
      var form = button.form;
      if (form && form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
    }
  });
})();
