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
