/* The site search's web worker, in place of Material's (templates/overrides/main.html points
   Material's `search` setting here): it speaks Material's worker protocol (SETUP → READY, QUERY →
   RESULT with `items`, see Material's integrations/search/worker) but answers from our split index
   (assets/pk-search.js), which it loads only when the first query is typed. Titles and snippets
   come HTML-escaped from the build and are marked here; Material inserts them as HTML. The best
   SHOWN results are sent (Material shows ten, then more as the list scrolls). */
(function () {
  "use strict";
  var SETUP = 0, READY = 1, QUERY = 2, RESULT = 3, SHOWN = 10;
  var engine = null, latest = 0, meta = null;

  function answer(query) {
    if (!engine) {
      importScripts("pk-search.js");
      engine = new self.pkSearch.Engine(new URL("../search/", self.location.href).href, meta);
    }
    return engine.search(query).then(function (found) {
      var ids = found.ids.slice(0, SHOWN);
      return engine.records(ids).then(function (records) {
        return {
          items: records.map(function (r, i) {
            var hit = found.hits[ids[i]];
            var marked = found.words.filter(function (w) { return hit.matched[w]; });
            return [{ location: r.u, title: self.pkSearch.highlight(r.t, marked),
              text: self.pkSearch.highlight(r.x, marked), score: hit.score, terms: hit.matched }];
          })
        };
      });
    });
  }

  self.addEventListener("message", function (ev) {
    var message = ev.data || {};
    if (message.type === SETUP) {  /* our meta.json rides in Material's (empty) index: write_index */
      meta = (message.data && message.data.config && message.data.config.pk) || null;
      self.postMessage({ type: READY });
      return;
    }
    if (message.type !== QUERY) return;
    var n = ++latest, query = String(message.data || "");
    if (!query.trim()) { self.postMessage({ type: RESULT, data: { items: [] } }); return; }
    answer(query).then(function (data) {
      if (n === latest) self.postMessage({ type: RESULT, data: data });  /* an older query's answer is dropped */
    }, function () {
      if (n === latest) self.postMessage({ type: RESULT, data: { items: [] } });
    });
  });
})();
