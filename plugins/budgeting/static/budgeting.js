// Budgeting cart: progressive enhancement only, every page works the same without this file.
// htmx replaces the whole ballot panel (hx-swap="outerHTML"). htmx itself puts the focus back on the button with
// the same id (an option's Add/Remove toggle keeps its id); this file handles the rest for keyboard and
// screen-reader users: a refusal gets the focus, focus that would fall back to the top of the page (the pressed
// button is gone, e.g. Remove in the cart list) lands on the status message, and the persistent live region
// outside the panel announces what changed and how much is left (a live region swapped in anew is not announced).
document.addEventListener("htmx:afterSwap", function (event) {
  var panel = event.target;
  if (!panel || panel.id !== "ballot-panel") return;
  var alert = panel.querySelector("[role=alert]");
  var status = panel.querySelector(".cart-status p");
  if (alert) {
    alert.setAttribute("tabindex", "-1");
    alert.focus();
    return;
  }
  var active = document.activeElement;
  if (!active || active === document.body || !document.body.contains(active)) {
    var landing = status || panel.querySelector("h2");
    if (landing) {
      landing.setAttribute("tabindex", "-1");
      landing.focus();
    }
  }
  var announcer = document.getElementById("cart-announcer");
  if (announcer) {
    var meter = panel.querySelector(".cart-meter label");
    var parts = [status, meter].filter(Boolean).map(function (el) {
      return el.textContent.replace(/\s+/g, " ").trim();
    });
    announcer.textContent = parts.filter(Boolean).join(" ");
  }
});
