// Workshop board: progressive enhancement only; every page works without this file (the timer then shows the
// time left when the page was rendered, and the board is refreshed by reloading).
(function () {
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-ends-at]").forEach(function (el) {
      var left = Math.max(0, Math.ceil((Date.parse(el.getAttribute("data-ends-at")) - now) / 1000));
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      el.textContent = h ? h + ":" + pad(m) + ":" + pad(s) : pad(m) + ":" + pad(s);
      el.setAttribute("datetime", "PT" + left + "S");
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    var hint = document.querySelector(".workshop-nojs");
    if (hint) hint.hidden = true;  // the board updates itself while this page is open
  });
  // A posted card clears the form once the server accepted it.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target;
    if (form && form.id === "post-card" && event.detail.successful) form.reset();
  });
})();
