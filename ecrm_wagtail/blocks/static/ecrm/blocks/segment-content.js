/* django-ecrm: fill in personalised blocks (SegmentContentBlock) after the page loads.
 * The cached page holds only empty, hidden placeholders; one request per page asks the
 * server which of them this visitor sees. Failures leave the placeholders hidden. */
(function () {
  "use strict";
  if (window.ecrmSegmentContentLoaded) return;
  window.ecrmSegmentContentLoaded = true;

  function load() {
    var nodes = document.querySelectorAll("[data-ecrm-segment-content]");
    var groups = {};
    Array.prototype.forEach.call(nodes, function (node) {
      var key = node.getAttribute("data-url") + "|" + node.getAttribute("data-page");
      (groups[key] = groups[key] || []).push(node);
    });
    Object.keys(groups).forEach(function (key) {
      var group = groups[key];
      var url = group[0].getAttribute("data-url");
      var ids = group.map(function (node) { return node.getAttribute("data-block"); });
      var query = "?page=" + encodeURIComponent(group[0].getAttribute("data-page")) +
        "&blocks=" + encodeURIComponent(ids.join(","));
      fetch(url + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || !data.blocks) return;
          group.forEach(function (node) {
            var html = data.blocks[node.getAttribute("data-block")];
            if (html) {
              node.innerHTML = html;
              node.hidden = false;
            }
          });
        })
        .catch(function () { /* leave the placeholders hidden */ });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", load);
  } else {
    load();
  }
})();
