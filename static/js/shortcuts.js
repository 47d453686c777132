// Single-key shortcuts for staff pages. Markup declares them, so each page shows only what it allows:
//   data-shortcut="c" data-shortcut-label="Claim"   a key; pressing it clicks the element, or
//   data-shortcut-focus="<id>"                       focuses that element instead (a text box), or
//   data-shortcut-focus-self                         focuses the element itself.
// Scripts add their own with Shortcuts.register(key, label, fn) (the console's j/k/Enter//).
// "?" opens #shortcuts-dialog listing every shortcut on the page. Keys typed into a field, or with
// Ctrl/Alt/Meta held, are never taken; a disabled or hidden-by-removal element's shortcut does nothing.
(function () {
  "use strict";
  var registered = [];

  function typing(target) {
    if (!target || !target.tagName) { return false; }
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  function fromMarkup() {
    var found = [];
    document.querySelectorAll("[data-shortcut]").forEach(function (el) {
      found.push({
        key: el.dataset.shortcut,
        label: el.dataset.shortcutLabel || el.textContent.trim(),
        run: function () {
          if (el.disabled || !el.isConnected) { return false; }
          if (el.dataset.shortcutFocus) {
            var field = document.getElementById(el.dataset.shortcutFocus);
            if (!field) { return false; }
            field.focus();
            return true;
          }
          if (el.hasAttribute("data-shortcut-focus-self")) { el.focus(); return true; }
          el.click();
          return true;
        },
      });
    });
    return found;
  }

  function all() { return registered.concat(fromMarkup()); }

  function dialog() { return document.getElementById("shortcuts-dialog"); }

  function showHelp() {
    var d = dialog();
    if (!d) { return; }
    var list = d.querySelector(".shortcut-list");
    list.textContent = "";
    var seen = {};
    all().concat([{ key: "?", label: "Show this list" }]).forEach(function (s) {
      if (seen[s.key]) { return; }
      seen[s.key] = true;
      var dt = document.createElement("dt"), kbd = document.createElement("kbd"), dd = document.createElement("dd");
      kbd.textContent = s.key === "Enter" ? "Enter" : s.key;
      dt.appendChild(kbd);
      dd.textContent = s.label;
      list.appendChild(dt);
      list.appendChild(dd);
    });
    if (typeof d.showModal === "function") { d.showModal(); } else { d.setAttribute("open", ""); }
  }

  function onKey(ev) {
    if (ev.defaultPrevented || ev.ctrlKey || ev.altKey || ev.metaKey || typing(ev.target)) { return; }
    var d = dialog();
    if (d && d.open) { return; }  // the dialog has focus: Escape closes it
    if (ev.key === "?") { ev.preventDefault(); showHelp(); return; }
    var matches = all().filter(function (s) { return s.key === ev.key; });
    for (var i = 0; i < matches.length; i++) {
      if (matches[i].run(ev) !== false) { ev.preventDefault(); return; }
    }
  }

  window.Shortcuts = {
    register: function (key, label, fn) { registered.push({ key: key, label: label, run: fn }); },
    showHelp: showHelp,
  };

  document.addEventListener("keydown", onKey);
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-shortcuts-help]").forEach(function (b) {
      b.hidden = false;
      b.addEventListener("click", showHelp);
    });
  });
})();
