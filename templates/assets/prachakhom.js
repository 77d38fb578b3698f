/* A link sent per village (LINE group of a หมู่บ้าน, the village's poster) carries ?village=N: it is
   remembered for later visits (per municipality) and carried by the big button to the ballot page,
   which preselects that village (assets/pk-vote.js; always changeable there).
   Proposal-list filters: category, village, status and a text box that matches any fragment of a
   title or summary (Thai has no spaces, so we match substrings, not words). Reading works without
   this script: it only hides cards. */
(function () {
  "use strict";
  function village() {
    var given = new URLSearchParams(location.search).get("village");
    Array.prototype.forEach.call(document.querySelectorAll("a[data-pk-village-link]"), function (a) {
      var key = "pk-village:" + a.dataset.m, n = given;
      try {
        if (/^[0-9]{1,2}$/.test(n || "")) localStorage.setItem(key, n); else n = localStorage.getItem(key);
      } catch (e) { /* storage blocked: the link still carries it */ }
      var href = a.getAttribute("href");
      if (/^[0-9]{1,2}$/.test(n || "") && href.indexOf("?") < 0) a.setAttribute("href", href + "?village=" + n);
    });
  }
  function setup() {
    village();
    var dialog = document.querySelector(".md-search[role=dialog]");
    if (dialog && !dialog.hasAttribute("aria-label")) dialog.setAttribute("aria-label", "ค้นหา");
    var form = document.querySelector("[data-pk-filter]");
    var list = document.querySelector("[data-pk-list]");
    if (!form || !list || form.dataset.pkReady) return;
    form.dataset.pkReady = "1";
    var cards = Array.prototype.slice.call(list.querySelectorAll(".pk-proposal-card"));
    var texts = cards.map(function (card) {
      var parts = card.querySelectorAll("h3, .pk-summary");
      return Array.prototype.map.call(parts, function (el) { return el.textContent; }).join(" ").toLowerCase();
    });
    var count = form.querySelector("[data-pk-count]");
    function apply() {
      var q = (form.elements.q.value || "").trim().toLowerCase();
      var category = form.elements.category.value;
      var village = form.elements.village ? form.elements.village.value : "";
      var status = form.elements.status.value;
      var shown = 0;
      cards.forEach(function (card, i) {
        var ok = (!q || texts[i].indexOf(q) !== -1) &&
          (!category || card.dataset.category === category) &&
          (!village || card.dataset.village === village) &&
          (!status || card.dataset.status === status);
        card.hidden = !ok;
        if (ok) shown += 1;
      });
      if (count) count.textContent = "แสดง " + shown + " จาก " + cards.length + " รายการ";
    }
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
    apply();
  }
  if (window.document$ && window.document$.subscribe) { window.document$.subscribe(setup); }
  else { document.addEventListener("DOMContentLoaded", setup); }
})();
