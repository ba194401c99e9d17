// Shows UTC instants in the viewer's time zone (and freshness as "5 minutes ago"),
// on load, every minute, and whenever a live update swaps in new content.
(function () {
  "use strict";
  // The widget may name a locale for dates and times; otherwise the viewer's own.
  var locale = document.documentElement.getAttribute("data-locale") || undefined;
  var clock = new Intl.DateTimeFormat(locale, {
    weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit"
  });
  var day = new Intl.DateTimeFormat(locale, { weekday: "long", day: "numeric", month: "long" });
  var relative = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  var units = [["day", 86400], ["hour", 3600], ["minute", 60]];

  function ago(moment) {
    var seconds = (moment - Date.now()) / 1000;
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(seconds) >= units[i][1]) {
        return relative.format(Math.round(seconds / units[i][1]), units[i][0]);
      }
    }
    return relative.format(0, "minute");
  }

  var render = {
    time: function (moment) { return clock.format(moment) + " your time"; },
    day: function (moment) { return day.format(moment); },
    relative: ago
  };

  function localise(root) {
    root.querySelectorAll("time[data-viewer]").forEach(function (el) {
      var moment = new Date(el.getAttribute("datetime"));
      var kind = el.getAttribute("data-viewer");
      if (!render[kind] || isNaN(moment)) return;
      el.textContent = render[kind](moment);
      el.title = clock.format(moment);
    });
    root.querySelectorAll(".scan-time[data-offset]").forEach(function (el) {
      var instant = el.querySelector("time");
      if (!instant) return;
      var viewerOffset = -new Date(instant.getAttribute("datetime")).getTimezoneOffset();
      el.classList.toggle("same-zone", viewerOffset === Number(el.getAttribute("data-offset")));
    });
  }

  // A live update replaces the parcels; keep open what the reader opened.
  var opened = [];
  document.addEventListener("htmx:before:swap", function () {
    opened = Array.prototype.map.call(document.querySelectorAll("details[open][id]"), function (el) {
      return el.id;
    });
  });
  document.addEventListener("htmx:after:swap", function () {
    opened.forEach(function (id) {
      var el = document.getElementById(id);
      if (el) el.open = true;
    });
    localise(document);
  });
  document.addEventListener("DOMContentLoaded", function () { localise(document); });
  setInterval(function () { localise(document); }, 60000);
})();
