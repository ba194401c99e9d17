// Rewrites UTC instants into the viewer's time zone, on load and whenever htmx swaps in new content.
(function () {
  "use strict";
  var formats = {
    time: new Intl.DateTimeFormat(undefined, {
      weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit"
    }),
    day: new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" })
  };

  function localise(root) {
    root.querySelectorAll("time[data-viewer]").forEach(function (el) {
      var format = formats[el.getAttribute("data-viewer")];
      var moment = new Date(el.getAttribute("datetime"));
      if (!format || isNaN(moment)) return;
      el.textContent = format.format(moment) + (el.dataset.viewer === "time" ? " your time" : "");
      el.removeAttribute("data-viewer");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { localise(document); });
  document.addEventListener("htmx:after:swap", function (event) { localise(event.target); });
})();
