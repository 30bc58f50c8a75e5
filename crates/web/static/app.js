// Centinela: the little script the interface needs beyond htmx. No inline script anywhere
// (the CSP forbids it); behaviour hangs off ids and data attributes.
(function () {
  "use strict";
  function liveEvents() {
    var list = document.getElementById("live-events");
    if (!list || !window.EventSource) return;
    var empty = document.createElement("li");
    empty.textContent = list.getAttribute("data-empty");
    list.appendChild(empty);
    var source = new EventSource("/api/v1/events");
    source.onmessage = null;
    function show(kind, data) {
      if (empty.parentNode) empty.parentNode.removeChild(empty);
      var item = document.createElement("li");
      var when = new Date().toLocaleTimeString();
      var detail = "";
      try { var d = JSON.parse(data); detail = d.record_kind + " " + d.action; } catch (e) { detail = ""; }
      item.textContent = when + " · " + kind + " · " + detail;
      list.insertBefore(item, list.firstChild);
      while (list.children.length > 20) list.removeChild(list.lastChild);
    }
    ["institution.created", "institution.updated", "officer.set", "contact.created", "contact.deleted", "network.created", "network.deleted"].forEach(function (kind) {
      source.addEventListener(kind, function (e) { show(kind, e.data); });
    });
  }
  document.addEventListener("DOMContentLoaded", liveEvents);
})();
