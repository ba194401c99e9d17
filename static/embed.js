// Inside the widget's iframe: tell the shop's page (and no other origin) how tall the content
// is, so the frame never scrolls.
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
})();
