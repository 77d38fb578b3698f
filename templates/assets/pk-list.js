/* The proposal list's filters: category, village, status and a search box, over every page of the
   list (pages.PROPOSALS_PER_PAGE cards each). Reading works without this script; it only hides
   cards or shows results.

   - The whole list on this page (`data-all`): cards are hidden in place. The search box first
     matches the text as typed anywhere in a title or summary; when it appears nowhere, it searches
     words as the site search does (assets/pk-search.js: Thai segmented, words inside compounds).
   - A list of several pages: the filters and the word search run on the site's search index
     (`search/f-<process>.json` for the filters, fetched at the first use, and the shards of the
     words typed) and the matching proposals are shown here, SHOWN at a time.
   Filters can be given in the link: `?village=3`, `?q=ถนน`, `?category=roads`, `?status=feasible`. */
(function () {
  "use strict";
  var SHOWN = 20;
  var NET = "ค้นหาไม่สำเร็จ อาจเป็นเพราะสัญญาณอินเทอร์เน็ต กรุณาลองอีกครั้ง";
  var script = document.currentScript && document.currentScript.src;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (window.pkSearch) return resolve();
      var s = document.createElement("script");
      s.src = src;
      s.onload = resolve;
      s.onerror = function () { s.remove(); reject(new Error(src)); };
      document.head.appendChild(s);
    });
  }

  function setup() {
    var form = document.querySelector("[data-pk-filter]");
    if (!form || form.dataset.pkReady) return;
    form.dataset.pkReady = "1";
    var list = document.querySelector("[data-pk-list]");
    var results = document.querySelector("[data-pk-results]");
    var pager = document.querySelector("[data-pk-pager]");
    var moreBox = document.querySelector("[data-pk-more-box]");
    var count = form.querySelector("[data-pk-count]");
    var all = form.hasAttribute("data-all"), total = (+form.dataset.total).toLocaleString("th-TH");
    var site = form.dataset.search.replace(/search\/$/, "");
    var cards = Array.prototype.slice.call(list.querySelectorAll(".pk-proposal-card"));
    var texts = cards.map(function (card) {
      var parts = card.querySelectorAll("h3, .pk-summary");
      return Array.prototype.map.call(parts, function (e) { return e.textContent; }).join(" ").toLowerCase();
    });
    var engine = null, facets = null, position = {}, loading = null, seq = 0, found = [], shown = 0;

    function load() {
      if (!loading) {
        loading = loadScript(script.replace(/pk-list\.js(\?.*)?$/, "pk-search.js")).then(function () {
          engine = engine || new window.pkSearch.Engine(form.dataset.search);
          return engine.json("f-" + form.dataset.p + ".json");
        }).then(function (f) {
          facets = f;
          f.ids.forEach(function (id, i) { position[id] = i; });
        });
        loading.catch(function () { loading = null; });
      }
      return loading;
    }
    function wanted() {
      return { q: (form.elements.q.value || "").trim(), category: form.elements.category.value,
        village: form.elements.village ? form.elements.village.value : "", status: form.elements.status.value };
    }
    function facetOk(w, category, village, status) {
      return (!w.category || category === w.category) && (!w.village || village === w.village) &&
        (!w.status || status === w.status);
    }
    function cardOk(w, card) { return facetOk(w, card.dataset.category, card.dataset.village, card.dataset.status); }
    function showCards(ok) {
      var n = 0;
      cards.forEach(function (card, i) { card.hidden = !ok(card, i); if (!card.hidden) n += 1; });
      count.textContent = "แสดง " + n.toLocaleString("th-TH") + " จาก " + total + " รายการ";
    }
    function staticView(on) {
      list.hidden = !on;
      if (pager) pager.hidden = !on;
      results.hidden = on;
      moreBox.hidden = true;
    }
    function card(r) {
      var u = window.pkSearch.unescapeHtml;
      var a = el("article", "pk-card pk-proposal-card");
      var link = a.appendChild(el("h3")).appendChild(el("a", "", u(r.t)));
      link.href = site + r.u;
      var meta = a.appendChild(el("p", "pk-meta", (r.m ? u(r.m) : "") + " "));
      if (r.b) meta.appendChild(el("span", "pk-badge pk-badge--" + u(r.b[0]), u(r.b[1])));
      if (r.x) a.appendChild(el("p", "pk-summary", u(r.x)));
      return a;
    }
    function showMore(n) {
      var ids = found.slice(shown, shown + SHOWN);
      return engine.records(ids).then(function (records) {
        if (n !== seq) return;
        records.forEach(function (r) { results.appendChild(card(r)); });
        shown += ids.length;
        moreBox.hidden = shown >= found.length;
      });
    }
    function fromIndex(w, n) {
      count.textContent = "กำลังค้นหา…";
      return load().then(function () {
        if (n !== seq) return null;
        var keep = function (id) {
          var i = position[id];
          return i !== undefined && facetOk(w, facets.c[i], facets.v[i], facets.s[i]);
        };
        if (w.q) return engine.search(w.q, keep).then(function (r) { return r.ids; });
        return facets.ids.filter(keep);
      }).then(function (ids) {
        if (n !== seq || !ids) return;
        if (all) {  /* every card is here: show the matching ones */
          var slugs = {};
          ids.forEach(function (id) { slugs[facets.slugs[position[id]]] = true; });
          showCards(function (c) { return !!slugs[c.dataset.slug]; });
          return;
        }
        found = ids;
        shown = 0;
        results.textContent = "";
        staticView(false);
        count.textContent = "พบ " + ids.length.toLocaleString("th-TH") + " จาก " + total + " รายการ";
        return showMore(n);
      }).catch(function () { if (n === seq) count.textContent = NET; });
    }
    function apply() {
      var w = wanted(), n = ++seq;
      var q = w.q.toLowerCase();
      if (!w.q && !w.category && !w.village && !w.status) {
        staticView(true);
        cards.forEach(function (c) { c.hidden = false; });
        count.textContent = all ? "แสดง " + cards.length + " จาก " + total + " รายการ" : "";
        return;
      }
      if (all && (!q || texts.some(function (t) { return t.indexOf(q) !== -1; }))) {
        showCards(function (c, i) { return (!q || texts[i].indexOf(q) !== -1) && cardOk(w, c); });
        return;
      }
      fromIndex(w, n);
    }
    var given = new URLSearchParams(location.search);
    ["q", "category", "village", "status"].forEach(function (name) {
      if (given.get(name) && form.elements[name]) form.elements[name].value = given.get(name);
    });
    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
    document.querySelector("[data-pk-more]").addEventListener("click", function () { showMore(seq); });
    apply();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup); else setup();
})();
