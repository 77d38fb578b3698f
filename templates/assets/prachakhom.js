/* A link sent per village (LINE group of a หมู่บ้าน, the village's poster) carries ?village=N: it is
   remembered for later visits (per municipality) and carried by the big button to the ballot page,
   which preselects that village (assets/pk-vote.js; always changeable there). The proposal list's
   filters are in assets/pk-list.js, loaded by that page only. */
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
  }
  if (window.document$ && window.document$.subscribe) { window.document$.subscribe(setup); }
  else { document.addEventListener("DOMContentLoaded", setup); }
})();
