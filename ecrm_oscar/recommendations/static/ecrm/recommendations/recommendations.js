// Fill every [data-ecrm-recommendations-url] slot with its server-rendered fragment.
// Loaded with `defer`; runs once per page even when several slots include it.
(function () {
  if (window.ecrmRecommendationsLoaded) return;
  window.ecrmRecommendationsLoaded = true;
  function fill() {
    document.querySelectorAll("[data-ecrm-recommendations-url]").forEach(function (slot) {
      fetch(slot.getAttribute("data-ecrm-recommendations-url"), {
        credentials: "same-origin",
        headers: { "X-Requested-With": "XMLHttpRequest" },
      })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) { slot.innerHTML = html; slot.dispatchEvent(new Event("ecrm:loaded", { bubbles: true })); })
        .catch(function () { /* recommendations are optional: leave the slot empty */ });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fill);
  else fill();
})();
