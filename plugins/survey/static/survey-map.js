/* The survey's "point" question, enhanced. Without JavaScript it is two fields, latitude and longitude; this adds
   "Use my location" (the device's position) and a locator box of the municipality's bounds: click in it, or focus
   it and move the point with the arrow keys. The fields stay the answer; the server checks the bounds again.
   No map tiles: the site's content security policy allows no outside images. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";

  function enhance(fieldset) {
    var lat = fieldset.querySelector("input[name$='_lat']");
    var lng = fieldset.querySelector("input[name$='_lng']");
    if (!lat || !lng) { return; }
    var d = fieldset.dataset;
    var b = (d.bounds || "").split(",").map(Number);  // south, west, north, east
    var bounded = b.length === 4 && b.every(isFinite) && b[0] < b[2] && b[1] < b[3];
    var tools = document.createElement("div");
    tools.className = "survey-point-tools";
    var status = document.createElement("p");
    status.className = "hint";
    status.setAttribute("role", "status");
    var width = 200, height = 200, pin = null;

    function inside(la, ln) { return !bounded || (la >= b[0] && la <= b[2] && ln >= b[1] && ln <= b[3]); }

    function draw() {
      var la = parseFloat(lat.value), ln = parseFloat(lng.value);
      if (!pin) { return; }
      if (!isFinite(la) || !isFinite(ln) || !inside(la, ln)) { pin.setAttribute("visibility", "hidden"); return; }
      pin.setAttribute("visibility", "visible");
      pin.setAttribute("cx", String((ln - b[1]) / (b[3] - b[1]) * width));
      pin.setAttribute("cy", String((b[2] - la) / (b[2] - b[0]) * height));
    }

    function set(la, ln) {
      lat.value = la.toFixed(6);
      lng.value = ln.toFixed(6);
      status.textContent = (inside(la, ln) ? "" : d.outside + " ") + d.chosen.replace("%(lat)s", lat.value)
        .replace("%(lng)s", lng.value);
      draw();
    }

    if (navigator.geolocation) {
      var locate = document.createElement("button");
      locate.type = "button";
      locate.className = "secondary";
      locate.textContent = d.locate;
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          set(pos.coords.latitude, pos.coords.longitude);
        }, function () { status.textContent = d.failed; }, { enableHighAccuracy: true, timeout: 15000 });
      });
      tools.appendChild(locate);
    }

    if (bounded) {
      var mid = (b[0] + b[2]) / 2 * Math.PI / 180;
      var ratio = (b[2] - b[0]) / ((b[3] - b[1]) * Math.cos(mid));
      height = Math.max(60, Math.min(400, Math.round(width * ratio)));
      var box = document.createElementNS(SVG, "svg");
      box.setAttribute("viewBox", "0 0 " + width + " " + height);
      box.setAttribute("class", "survey-point-map");
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "application");
      box.setAttribute("aria-label", d.mapLabel);
      var frame = document.createElementNS(SVG, "rect");
      frame.setAttribute("x", "0"); frame.setAttribute("y", "0");
      frame.setAttribute("width", String(width)); frame.setAttribute("height", String(height));
      frame.setAttribute("class", "survey-point-frame");
      box.appendChild(frame);
      for (var i = 1; i < 4; i++) {
        var v = document.createElementNS(SVG, "line"), h = document.createElementNS(SVG, "line");
        v.setAttribute("x1", String(width * i / 4)); v.setAttribute("x2", String(width * i / 4));
        v.setAttribute("y1", "0"); v.setAttribute("y2", String(height));
        h.setAttribute("y1", String(height * i / 4)); h.setAttribute("y2", String(height * i / 4));
        h.setAttribute("x1", "0"); h.setAttribute("x2", String(width));
        v.setAttribute("class", "survey-point-grid"); h.setAttribute("class", "survey-point-grid");
        box.appendChild(v); box.appendChild(h);
      }
      ["N", "S", "W", "E"].forEach(function (letter, k) {
        var t = document.createElementNS(SVG, "text");
        t.textContent = letter;
        t.setAttribute("class", "survey-point-compass");
        t.setAttribute("x", String([width / 2, width / 2, 6, width - 6][k]));
        t.setAttribute("y", String([12, height - 4, height / 2, height / 2][k]));
        t.setAttribute("text-anchor", "middle");
        t.setAttribute("aria-hidden", "true");
        box.appendChild(t);
      });
      pin = document.createElementNS(SVG, "circle");
      pin.setAttribute("r", "5");
      pin.setAttribute("class", "survey-point-pin");
      box.appendChild(pin);
      box.addEventListener("click", function (event) {
        var r = box.getBoundingClientRect();
        var x = (event.clientX - r.left) / r.width, y = (event.clientY - r.top) / r.height;
        set(b[2] - y * (b[2] - b[0]), b[1] + x * (b[3] - b[1]));
      });
      box.addEventListener("keydown", function (event) {
        var step = { ArrowUp: [1, 0], ArrowDown: [-1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[event.key];
        if (!step) { return; }
        event.preventDefault();
        var la = parseFloat(lat.value), ln = parseFloat(lng.value);
        if (!isFinite(la) || !isFinite(ln) || !inside(la, ln)) { la = (b[0] + b[2]) / 2; ln = (b[1] + b[3]) / 2; }
        la = Math.min(b[2], Math.max(b[0], la + step[0] * (b[2] - b[0]) / 40));
        ln = Math.min(b[3], Math.max(b[1], ln + step[1] * (b[3] - b[1]) / 40));
        set(la, ln);
      });
      tools.appendChild(box);
    }
    tools.appendChild(status);
    lng.closest(".field").after(tools);
    lat.addEventListener("input", draw);
    lng.addEventListener("input", draw);
    draw();
  }

  document.querySelectorAll("fieldset.survey-point").forEach(enhance);
})();
