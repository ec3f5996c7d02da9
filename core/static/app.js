// Progressive enhancement only: every page works without this file.
document.addEventListener("htmx:afterSwap", function (event) {
  // Move focus to error summaries and alerts that htmx swapped in, so screen readers announce them.
  var target = event.detail.target;
  if (!target) return;
  var alert = target.querySelector(".error-summary, [role=alert]");
  if (alert) {
    if (!alert.hasAttribute("tabindex")) alert.setAttribute("tabindex", "-1");
    alert.focus();
  }
});
document.addEventListener("click", function (event) {
  var el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
// Multilingual fields as language tabs: one language's controls at a time, each tab saying whether it is filled in.
// Without this script every language is stacked, which works too. An invalid or linked-to field opens its tab.
(function () {
  function show(fieldset, code, focusTab) {
    fieldset.querySelectorAll(".multiloc-lang").forEach(function (panel) {
      var on = panel.getAttribute("data-lang") === code;
      panel.hidden = !on;
      var tab = fieldset.querySelector('[role=tab][data-lang="' + panel.getAttribute("data-lang") + '"]');
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      if (on && focusTab) tab.focus();
    });
  }
  function refresh(fieldset, panel) {
    var input = panel.querySelector(".field input, .field textarea");
    var filled = input && input.value.trim() !== "";
    var tab = fieldset.querySelector('[role=tab][data-lang="' + panel.getAttribute("data-lang") + '"]');
    var dot = tab.querySelector(".tab-state");
    dot.classList.toggle("filled", filled);
    dot.setAttribute("aria-label", fieldset.getAttribute(filled ? "data-filled-label" : "data-empty-label"));
  }
  function enhance(fieldset) {
    var panels = fieldset.querySelectorAll(".multiloc-lang");
    if (panels.length < 2 || fieldset.querySelector(".multiloc-tabs")) return;
    var list = document.createElement("div");
    list.className = "multiloc-tabs";
    list.setAttribute("role", "tablist");
    var first = null;
    panels.forEach(function (panel) {
      var code = panel.getAttribute("data-lang");
      var tab = document.createElement("button");
      tab.type = "button";
      tab.setAttribute("role", "tab");
      tab.setAttribute("data-lang", code);
      tab.id = panel.id + "-tab";
      tab.setAttribute("aria-controls", panel.id);
      tab.setAttribute("lang", code);
      tab.textContent = panel.getAttribute("data-lang-name");
      var dot = document.createElement("span");
      dot.className = "tab-state";
      dot.setAttribute("role", "img");
      tab.appendChild(dot);
      if (panel.hasAttribute("data-invalid")) {
        var mark = document.createElement("span");
        mark.className = "tab-invalid";
        mark.setAttribute("aria-hidden", "true");
        mark.textContent = " !";
        tab.appendChild(mark);
        if (first === null) first = code;
      }
      panel.setAttribute("role", "tabpanel");
      panel.setAttribute("aria-labelledby", tab.id);
      list.appendChild(tab);
      panel.addEventListener("input", function () { refresh(fieldset, panel); });
    });
    fieldset.querySelector("legend").after(list);
    panels.forEach(function (panel) { refresh(fieldset, panel); });
    show(fieldset, first || panels[0].getAttribute("data-lang"), false);
    list.addEventListener("click", function (event) {
      var tab = event.target.closest("[role=tab]");
      if (tab) show(fieldset, tab.getAttribute("data-lang"), false);
    });
    list.addEventListener("keydown", function (event) {
      var tabs = Array.prototype.slice.call(list.querySelectorAll("[role=tab]"));
      var i = tabs.indexOf(document.activeElement);
      if (i < 0) return;
      var rtl = getComputedStyle(fieldset).direction === "rtl";
      var step = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1, Home: -i, End: tabs.length - 1 - i }[event.key];
      if (step === undefined) return;
      event.preventDefault();
      var next = tabs[(i + step + tabs.length) % tabs.length];
      show(fieldset, next.getAttribute("data-lang"), true);
    });
  }
  function reveal(element) {
    var panel = element && element.closest ? element.closest(".multiloc-lang[hidden]") : null;
    if (panel) show(panel.closest("[data-multiloc]"), panel.getAttribute("data-lang"), false);
  }
  function enhanceAll(root) { root.querySelectorAll("[data-multiloc]").forEach(enhance); }
  document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { enhanceAll(event.detail.target || document); });
  // The browser's own check of a required field in a hidden tab, and error-summary links, show that tab first.
  document.addEventListener("invalid", function (event) {
    var hidden = event.target.closest && event.target.closest(".multiloc-lang[hidden]");
    reveal(event.target);
    if (hidden) setTimeout(function () { event.target.focus(); event.target.reportValidity(); }, 0);
  }, true);
  document.addEventListener("click", function (event) {
    var link = event.target.closest('a[href^="#"]');
    if (link) reveal(document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1))));
  });
})();
// A long checkbox list (people, places) gets a box that narrows it as one types; ticked boxes always stay visible.
(function () {
  function enhance(group) {
    if (group.querySelector(".list-filter")) return;
    var id = group.id + "-filter";
    var wrap = document.createElement("div");
    wrap.className = "field list-filter";
    var label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = group.getAttribute("data-filter-label");
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.setAttribute("autocomplete", "off");
    var empty = document.createElement("p");
    empty.className = "hint";
    empty.hidden = true;
    empty.setAttribute("role", "status");
    wrap.appendChild(label);
    wrap.appendChild(input);
    wrap.appendChild(empty);
    group.querySelector("legend").after(wrap);
    input.addEventListener("input", function () {
      var words = input.value.toLocaleLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      group.querySelectorAll(".field.checkbox").forEach(function (row) {
        var text = row.textContent.toLocaleLowerCase();
        var box = row.querySelector("input");
        var match = box.checked || words.every(function (w) { return text.indexOf(w) >= 0; });
        row.hidden = !match;
        if (match) shown += 1;
      });
      empty.hidden = shown > 0;
      empty.textContent = shown > 0 ? "" : group.getAttribute("data-filter-empty");
    });
    // Enter in the box must not submit the whole form.
    input.addEventListener("keydown", function (event) { if (event.key === "Enter") event.preventDefault(); });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-filterable]").forEach(enhance);
  });
})();
// Settings that apply to some choices of another setting only (core/config_forms.py, shown_when): hidden while
// another choice is made. Without this script they all show, each hint saying which choices it applies to. Hidden
// ones are still submitted with their values, and one that comes back with an error is never hidden.
(function () {
  function chosen(control) {
    if (control.type === "checkbox") return control.checked ? "true" : "false";
    return control.value;
  }
  function apply(root) {
    root.querySelectorAll("[data-shown-when-field]").forEach(function (wrap) {
      var control = document.getElementById(wrap.getAttribute("data-shown-when-field"));
      if (!control) return;
      var values = JSON.parse(wrap.getAttribute("data-shown-when-values") || "[]");
      var invalid = wrap.querySelector("[aria-invalid=true], .field-error");
      wrap.hidden = values.indexOf(chosen(control)) < 0 && !invalid;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { apply(document); });
  document.addEventListener("htmx:afterSwap", function () { apply(document); });
  document.addEventListener("change", function (event) {
    var id = event.target.id;
    if (id && document.querySelector('[data-shown-when-field="' + CSS.escape(id) + '"]')) apply(document);
  });
})();
// The header's menu (base.html) is a <details> that app.css lays open on wide screens through ::details-content.
// A browser without that selector gets it opened here on wide screens instead; Escape closes it on a phone.
(function () {
  var menu = document.querySelector("details.site-menu");
  if (!menu) return;
  var summary = menu.querySelector("summary");
  var wide = window.matchMedia("(width > 40rem)");
  var native = window.CSS && CSS.supports && CSS.supports("selector(::details-content)");
  function sync() { if (wide.matches && !native) menu.open = true; }
  sync();
  wide.addEventListener("change", sync);
  menu.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.open && !wide.matches) {
      menu.open = false;
      summary.focus();
    }
  });
})();
