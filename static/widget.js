// Order tracking on a shop's own pages. Include this file with
//   <script src="https://<tracking service>/widget.js" async></script>
// and put <div data-mln-track></div> where the widget belongs. Options, all optional:
//   data-mln-order="LL-1001"   the order number, filled in for the customer
//   data-mln-locale="de-DE"    how dates and times are written
//   data-mln-accent="#0a7d5a"  the shop's colour (darkened where text would be hard to read)
//   data-mln-layout="full"     the parcel's whole history and the order's items; default compact
// Each widget is an iframe of the tracking service that reports its height, so it never scrolls.
// A page that adds the element later calls MLNTrack.mount(element).
(function () {
  "use strict";
  if (window.MLNTrack) return;

  var PREFIX = "MLN tracking widget: ";
  var OPTIONS = { mlnOrder: "order", mlnLocale: "locale", mlnAccent: "accent", mlnLayout: "layout" };
  var VALID = {
    accent: function (value) { return /^#([0-9a-f]{3}){1,2}$/i.test(value); },
    layout: function (value) { return value === "compact" || value === "full"; },
    locale: function (value) {
      try { return Intl.getCanonicalLocales(value).length === 1; } catch (error) { return false; }
    },
    order: function (value) { return value.length <= 64; }
  };
  var ANSWER_MS = 4000;
  var script = document.currentScript || document.querySelector('script[src$="/widget.js"]');
  if (!script || !script.src) {
    warn("could not tell which tracking service this script came from; load it with a src.");
    return;
  }
  var service = new URL(script.src, location.href).origin;
  var widgets = [];

  function warn(message) {
    console.warn(PREFIX + message);
  }

  function attribute(key) {
    return "data-" + key.replace(/[A-Z]/g, function (letter) { return "-" + letter.toLowerCase(); });
  }

  // The frame's query: each known, well-formed option; a warning for anything else of ours.
  function query(element) {
    var params = new URLSearchParams({ parent: location.origin });
    Object.keys(element.dataset).forEach(function (key) {
      if (!/^mln[A-Z]/.test(key) || key === "mlnTrack") return;
      var name = OPTIONS[key];
      var value = element.dataset[key].trim();
      if (!name) {
        warn("ignored unknown attribute " + attribute(key) + "; the options are " +
          Object.keys(OPTIONS).map(attribute).join(", ") + ".");
      } else if (!VALID[name](value)) {
        warn("ignored " + attribute(key) + '="' + value + '", which is not a valid ' + name + ".");
      } else {
        params.set(name, value);
      }
    });
    return params;
  }

  function mount(element) {
    if (!(element instanceof HTMLElement)) {
      warn("MLNTrack.mount() needs an element, such as <div data-mln-track></div>.");
      return;
    }
    if (widgets.some(function (widget) { return widget.element === element; })) return;
    var frame = document.createElement("iframe");
    var widget = { element: element, frame: frame, answered: false };
    frame.src = service + "/embed?" + query(element);
    frame.title = "Order tracking";
    frame.referrerPolicy = "no-referrer";
    frame.setAttribute(
      "sandbox",
      "allow-scripts allow-same-origin allow-forms allow-popups allow-popups-to-escape-sandbox"
    );
    frame.style.cssText = "display:block;width:100%;height:20rem;border:0";
    frame.addEventListener("load", function () {
      setTimeout(function () { if (!widget.answered) fallBack(widget); }, ANSWER_MS);
    }, { once: true });
    widgets.push(widget);
    element.appendChild(frame);
  }

  // The frame loaded but never spoke: the service refused to be framed here, or is down.
  function fallBack(widget) {
    warn("the tracking service did not answer inside the widget. Is " + location.origin +
      " in the service's MLN_EMBED_ORIGINS, and does this page's Content-Security-Policy allow " +
      service + " in frame-src? Showing a link to the tracking page instead.");
    var link = document.createElement("a");
    link.href = service + "/track";
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = "Track your order";
    widget.frame.replaceWith(link);
  }

  function receive(event) {
    var data = event.data;
    if (!data || typeof data.type !== "string" || data.type.indexOf("mln:") !== 0) return;
    var widget = widgets.filter(function (candidate) {
      return candidate.frame.contentWindow === event.source;
    })[0];
    if (event.origin !== service || !widget) {
      warn("ignored a " + data.type + " message from " + event.origin + ", which is not a widget.");
      return;
    }
    widget.answered = true;
    var height = Number(data.height);
    if (data.type === "mln:resize" && height > 0 && height < 100000) {
      widget.frame.style.height = Math.ceil(height) + "px";
    }
  }

  function start() {
    var elements = document.querySelectorAll("[data-mln-track]");
    if (!elements.length) {
      warn("there is no <div data-mln-track></div> on this page to show the widget in.");
    }
    Array.prototype.forEach.call(elements, mount);
  }

  window.MLNTrack = { mount: mount };
  window.addEventListener("message", receive);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
