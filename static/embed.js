// Inside the widget's iframe: tell the shop's page (and no other origin) how tall the content
// is, so the frame never scrolls; after a lookup, move focus to what it found.
(function () {
  "use strict";
  var parentOrigin = document.documentElement.getAttribute("data-parent-origin");
  var reported = 0;

  function tell(message) {
    window.parent.postMessage(message, parentOrigin);
  }

  function reportHeight() {
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    if (height === reported) return;
    reported = height;
    tell({ type: "mln:resize", height: height });
  }

  if (parentOrigin && window.parent !== window) {
    tell({ type: "mln:ready" });
    new ResizeObserver(reportHeight).observe(document.body);
  }
  // Only when the customer is working inside the frame: never take focus from the shop's page.
  var arrival = document.querySelector("[data-arrival-focus]");
  if (arrival && document.hasFocus()) arrival.focus();
})();
