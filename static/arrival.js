// After a form was sent, move focus to what came back (the error, or what was found), so screen
// readers announce it. Only when the reader is working in this document: a page or widget that
// merely opened never takes focus from where it is.
(function () {
  "use strict";
  var arrival = document.querySelector("[data-arrival-focus]");
  if (arrival && document.hasFocus()) arrival.focus();
})();
