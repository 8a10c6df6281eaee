/* django-ecrm help center: the assistant widget and contact-form suggestions.
   Titles and URLs are inserted as text/attributes; "quote_html" and "snippet_html" come
   escaped from the server with only <mark> added. */
(function () {
  "use strict";
  function strings(id) {
    var out = {}, tpl = document.getElementById(id);
    if (!tpl) return out;
    tpl.content.querySelectorAll("[data-key]").forEach(function (el) { out[el.dataset.key] = el.textContent; });
    return out;
  }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function getJSON(url) {
    return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); });
  }

  function initAssistant(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    var t = strings("ecrm-assistant-strings");
    var form = box.querySelector("form"), input = box.querySelector("input[name=q]");
    var out = box.querySelector(".ecrm-assistant__answers"), contact = box.querySelector(".ecrm-assistant__contact");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var q = input.value.trim();
      if (!q) return;
      out.textContent = "…";
      getJSON(box.dataset.url + "?q=" + encodeURIComponent(q)).then(function (res) {
        out.textContent = "";
        if (!res.ok) { out.appendChild(el("p", "text-danger", res.data.error || t.error)); return; }
        var data = res.data;
        if (data.account && data.account.length) {
          var acc = el("div", "alert alert-info ecrm-assistant__account");
          acc.appendChild(el("strong", "", t.account));
          var ul = el("ul", "mb-0");
          data.account.forEach(function (line) { ul.appendChild(el("li", "", line)); });
          acc.appendChild(ul);
          out.appendChild(acc);
        }
        data.answers.forEach(function (answer) {
          var block = el("blockquote", "ecrm-answer border-left pl-3");
          block.appendChild(el("p", "mb-1 font-weight-bold", answer.heading));
          var quote = el("p", "ecrm-answer__quote");
          quote.innerHTML = answer.quote_html; // server-escaped, <mark> only
          block.appendChild(quote);
          var link = el("a", "ecrm-answer__link", answer.title);
          link.href = answer.url;
          block.appendChild(link);
          out.appendChild(block);
        });
        if (!data.answers.length && !(data.account && data.account.length)) out.appendChild(el("p", "", t.none));
        if (contact && data.contact_url) {
          contact.querySelector("a").href = data.contact_url;
          contact.hidden = false;
        }
      }).catch(function () { out.textContent = t.error; });
    });
  }

  function initSuggestions(form) {
    if (form.dataset.ready || !form.dataset.suggestUrl) return;
    form.dataset.ready = "1";
    var t = strings("ecrm-suggest-strings");
    var box = form.querySelector(".ecrm-case-form__suggestions");
    var fields = form.querySelectorAll("input[name=subject], textarea[name=body]");
    var timer = null, last = "";
    function run() {
      var text = Array.prototype.map.call(fields, function (f) { return f.value; }).join(" ").trim();
      if (text.length < 3 || text === last) return;
      last = text;
      getJSON(form.dataset.suggestUrl + "?q=" + encodeURIComponent(text.slice(0, 200))).then(function (res) {
        box.textContent = "";
        if (!res.ok || !res.data.suggestions.length) return;
        var wrap = el("div", "alert alert-light border");
        wrap.appendChild(el("p", "mb-1", t.title));
        var ul = el("ul", "mb-0");
        res.data.suggestions.forEach(function (s) {
          var li = el("li"), a = el("a", "", s.title);
          a.href = s.url;
          li.appendChild(a);
          ul.appendChild(li);
        });
        wrap.appendChild(ul);
        box.appendChild(wrap);
      });
    }
    fields.forEach(function (f) {
      f.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 300); });
    });
    run();
  }

  function init() {
    document.querySelectorAll(".ecrm-assistant").forEach(initAssistant);
    document.querySelectorAll("form.ecrm-case-form").forEach(initSuggestions);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
