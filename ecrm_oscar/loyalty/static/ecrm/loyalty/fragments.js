/* django-ecrm: fill [data-ecrm-fragment] placeholders with their personal fragment.
   The page itself stays cacheable; only the fragment request carries the session. */
(function () {
  "use strict";
  function load(root) {
    var nodes = (root || document).querySelectorAll("[data-ecrm-fragment]:not([data-ecrm-loaded])");
    Array.prototype.forEach.call(nodes, function (node) {
      node.setAttribute("data-ecrm-loaded", "loading");
      fetch(node.getAttribute("data-ecrm-fragment"), {
        credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest" },
      })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (html !== null) { node.innerHTML = html; }
          node.setAttribute("data-ecrm-loaded", html !== null ? "yes" : "failed");
        })
        .catch(function () { node.setAttribute("data-ecrm-loaded", "failed"); });
    });
  }
  window.ecrmLoadFragments = load;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { load(); });
  } else {
    load();
  }
})();
