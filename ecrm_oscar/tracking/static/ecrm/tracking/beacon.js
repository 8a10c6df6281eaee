/*
 * django-ecrm beacon: client-side events (recommendation impressions and clicks).
 * Protocol and markup: docs/tracking.md. No cookies are read or written here; the server
 * knows the visitor from its own first-party cookie and applies consent, Do Not Track
 * and Global Privacy Control (and so does this script: it sends nothing when either is on).
 *
 *   <div data-ecrm-recommendations="basket" data-ecrm-products="12,15,31">
 *     <a href="..." data-ecrm-product="12" data-ecrm-position="1">...</a>
 *   </div>
 *
 * A block half in view for the first time sends one recommendation_impression; a click on
 * one of its [data-ecrm-product] elements sends recommendation_clicked. Other code may call
 * window.ecrmTrack(type, productId, payload) for any event type registered with client=True.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var endpoint = (script && script.getAttribute("data-ecrm-endpoint")) || "/ecrm/t/";
  var nav = window.navigator;
  var optedOut =
    nav.doNotTrack === "1" || window.doNotTrack === "1" || nav.globalPrivacyControl === true;
  var MAX_EVENTS = 20;
  var queue = [];
  var timer = null;

  function send(events) {
    var body = JSON.stringify({ events: events });
    // text/plain keeps sendBeacon a simple request; the server accepts it as JSON.
    if (nav.sendBeacon) {
      try {
        if (nav.sendBeacon(endpoint, new Blob([body], { type: "text/plain;charset=UTF-8" }))) {
          return;
        }
      } catch (e) {
        /* fall back to fetch */
      }
    }
    if (window.fetch) {
      window
        .fetch(endpoint, {
          method: "POST",
          body: body,
          credentials: "same-origin",
          keepalive: true,
          headers: { "Content-Type": "application/json" },
        })
        .catch(function () {});
    }
  }

  function flush() {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    while (queue.length) {
      send(queue.splice(0, MAX_EVENTS));
    }
  }

  function track(type, product, payload) {
    if (optedOut) {
      return;
    }
    var event = { type: String(type) };
    var id = parseInt(product, 10);
    if (id > 0) {
      event.product = id;
    }
    if (payload && typeof payload === "object") {
      event.payload = payload;
    }
    queue.push(event);
    if (queue.length >= MAX_EVENTS) {
      flush();
    } else if (!timer) {
      timer = setTimeout(flush, 1000);
    }
  }

  window.ecrmTrack = track;
  if (optedOut) {
    return;
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      flush();
    }
  });
  window.addEventListener("pagehide", flush);

  function productIds(block) {
    return (block.getAttribute("data-ecrm-products") || "")
      .split(",")
      .map(function (value) {
        return parseInt(value, 10);
      })
      .filter(function (id) {
        return id > 0;
      })
      .slice(0, 50);
  }

  function impression(block) {
    track("recommendation_impression", null, {
      placement: block.getAttribute("data-ecrm-recommendations") || "",
      products: productIds(block),
    });
  }

  var observer =
    "IntersectionObserver" in window
      ? new IntersectionObserver(
          function (entries) {
            entries.forEach(function (entry) {
              if (entry.isIntersecting) {
                observer.unobserve(entry.target);
                impression(entry.target);
              }
            });
          },
          { threshold: 0.5 }
        )
      : null;

  function scan() {
    var blocks = document.querySelectorAll("[data-ecrm-recommendations]:not([data-ecrm-seen])");
    Array.prototype.forEach.call(blocks, function (block) {
      block.setAttribute("data-ecrm-seen", "");
      if (observer) {
        observer.observe(block);
      } else {
        impression(block);
      }
    });
  }

  document.addEventListener(
    "click",
    function (e) {
      var target = e.target && e.target.closest ? e.target.closest("[data-ecrm-product]") : null;
      var block = target ? target.closest("[data-ecrm-recommendations]") : null;
      if (!block) {
        return;
      }
      var position = parseInt(target.getAttribute("data-ecrm-position"), 10);
      var payload = { placement: block.getAttribute("data-ecrm-recommendations") || "" };
      if (position > 0) {
        payload.position = position;
      }
      track("recommendation_clicked", target.getAttribute("data-ecrm-product"), payload);
      flush(); // before the link navigates away; sendBeacon outlives the page
    },
    true
  );

  function start() {
    scan();
    if ("MutationObserver" in window) {
      var pending = false;
      new MutationObserver(function () {
        if (!pending) {
          pending = true;
          setTimeout(function () {
            pending = false;
            scan();
          }, 200);
        }
      }).observe(document.body, { childList: true, subtree: true });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
