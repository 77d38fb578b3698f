/* Prachakhom search: finds what residents type, Thai without spaces included, from the index that
   site_generator/search_index.py splits into small files under <site>/search/. Nothing is fetched
   until a query is typed; then only meta.json, the shards of the query's words and the records of
   the results shown. Used by the site search (assets/pk-search-worker.js, in Material's search
   dialog) and by the proposal list's filter box (assets/pk-list.js).

   A query is normalised as the build normalised the text (search_index.normalize) and cut into
   words with Intl.Segmenter (Thai). A word is found if the index has it, or, failing that, as the
   start of longer words (typing, or a compound's beginning), or else it is cut again on the words
   the index knows (the browser's dictionary and pythainlp's differ). Words inside compounds
   ("ลูกรัง" in "ถนนลูกรัง") are in the index as parts. Every word must match (AND); when no
   document has them all, the documents with the most of them are shown, the others marked missing. */
(function (root) {
  "use strict";
  var FORMAT = 1, TITLE = 1, PART = 2;
  var THAI = /[\u0E01-\u0E4E]/;
  var PIECE = /[\u0E01-\u0E4E]+|[a-z0-9]+/g;
  var segmenter = null;
  try { segmenter = new Intl.Segmenter("th", { granularity: "word" }); } catch (e) { segmenter = null; }

  function normalize(text) {
    return String(text).normalize("NFC").toLowerCase()
      .replace(/[\u0E50-\u0E59]/g, function (d) { return String(d.charCodeAt(0) - 0x0E50); })
      .replace(/\u0E4D\u0E32/g, "\u0E33").replace(/[\u200b\u200c]/g, "")
      .replace(/(\d),(?=\d{3})/g, "$1");
  }

  /* The query's words, in order: Thai runs cut by Intl.Segmenter when the browser has it. */
  function queryWords(query) {
    var out = [];
    (normalize(query).match(PIECE) || []).forEach(function (piece) {
      if (!THAI.test(piece) || !segmenter) { out.push(piece); return; }
      var it = segmenter.segment(piece)[Symbol.iterator](), s;
      while (!(s = it.next()).done) if (s.value.isWordLike) out.push(s.value.segment);
    });
    return out.filter(function (w) { return w.length > 1 || /^[0-9]$/.test(w); });
  }

  function shardName(prefix) {
    var codes = [];
    for (var i = 0; i < prefix.length; i++) codes.push(prefix.charCodeAt(i).toString(16));
    return "s-" + codes.join("-") + ".json";
  }

  /* "(id - previous) * 4 + flags" in hexadecimal → {id: flags} */
  function decode(postings) {
    var out = {}, id = 0;
    postings.split(",").forEach(function (h) { var v = parseInt(h, 16); id += v >> 2; out[id] = v & 3; });
    return out;
  }

  function weight(flags) { return (flags & PART ? 0.6 : 1) * (flags & TITLE ? 3 : 1); }

  /* `meta`: meta.json's content when the caller has it already (the worker gets it at setup). */
  function Engine(base, meta) {
    this.base = base.replace(/\/?$/, "/");
    this.files = meta ? { "meta.json": Promise.resolve(meta) } : {};
  }
  Engine.prototype.json = function (name) {
    if (!this.files[name]) {
      this.files[name] = fetch(this.base + name).then(function (r) {
        if (!r.ok) throw new Error("search file " + name + ": " + r.status);
        return r.json();
      });
      var files = this.files;
      files[name].catch(function () { delete files[name]; });  /* a failed fetch is tried again */
    }
    return this.files[name];
  };
  Engine.prototype.meta = function () {
    return this.json("meta.json").then(function (meta) {
      if (meta.format !== FORMAT) throw new Error("search index format " + meta.format);
      return meta;
    });
  };
  /* The shard holding `word`'s entries (or null when no indexed word starts like it). */
  Engine.prototype.shard = function (word) {
    var self = this;
    return this.meta().then(function (meta) {
      var prefix = meta.shards.indexOf(word.slice(0, 2)) >= 0 ? word.slice(0, 2) :
        meta.shards.indexOf(word.slice(0, 1)) >= 0 ? word.slice(0, 1) : "";
      return prefix ? self.json(shardName(prefix)) : null;
    });
  };

  /* One query word → a list of terms {word, docs: {id: weight}} (several when it is cut again). */
  Engine.prototype.resolve = function (word) {
    var self = this;
    if (word.length < 2 && !/^[0-9]$/.test(word)) return Promise.resolve([]);
    return this.shard(word).then(function (shard) {
      var docs = {};
      if (shard && Object.prototype.hasOwnProperty.call(shard, word)) {
        var found = decode(shard[word]);
        Object.keys(found).forEach(function (id) { docs[id] = weight(found[id]); });
        return [{ word: word, docs: docs }];
      }
      var keys = shard ? Object.keys(shard) : [];
      var longer = keys.filter(function (k) { return k.lastIndexOf(word, 0) === 0; });
      if (longer.length) {
        longer.forEach(function (k) {
          var found = decode(shard[k]);
          Object.keys(found).forEach(function (id) { docs[id] = Math.max(docs[id] || 0, weight(found[id]) / 2); });
        });
        return [{ word: word, docs: docs }];
      }
      /* cut again: the longest word the index knows that starts it, when what remains can be a word */
      var known = keys.filter(function (k) {
        var rest = word.slice(k.length);
        return word.lastIndexOf(k, 0) === 0 && (rest.length !== 1 || /[0-9]/.test(rest));
      }).sort(function (a, b) { return b.length - a.length; })[0];
      if (!known) return [{ word: word, docs: docs }];  /* not in this site: matches nothing */
      return self.resolve(known).then(function (head) {
        return self.resolve(word.slice(known.length)).then(function (rest) { return head.concat(rest); });
      });
    });
  };

  /* → {ids: matching document ids, best first; terms: the words looked for; hits: id → {score,
     matched: {word: bool}}}. `keep(id)` narrows the documents (the list's filters). */
  Engine.prototype.search = function (query, keep) {
    var self = this;
    var asked = queryWords(query);
    return Promise.all(asked.map(function (w) { return self.resolve(w); })).then(function (lists) {
      var terms = [].concat.apply([], lists);
      var hits = {};
      terms.forEach(function (t) {
        Object.keys(t.docs).forEach(function (id) {
          if (keep && !keep(+id)) return;
          var h = hits[id] || (hits[id] = { score: 0, count: 0, matched: {} });
          if (!h.matched[t.word]) h.count += 1;
          h.matched[t.word] = true;
          h.score += t.docs[id];
        });
      });
      var words = terms.map(function (t) { return t.word; }).filter(function (w, i, all) { return all.indexOf(w) === i; });
      var ids = Object.keys(hits).map(Number);
      var most = ids.reduce(function (m, id) { return Math.max(m, hits[id].count); }, 0);
      ids = ids.filter(function (id) { return hits[id].count === most; });
      ids.sort(function (a, b) { return hits[b].score - hits[a].score || a - b; });
      words.forEach(function (w) { ids.forEach(function (id) { hits[id].matched[w] = !!hits[id].matched[w]; }); });
      return { ids: ids, words: words, hits: hits };
    });
  };

  /* The records of these documents (location `u`, title `t`, snippet `x`, list card `m`, `b`),
     HTML-escaped by the build, in the order given. */
  Engine.prototype.records = function (ids) {
    var self = this;
    return this.meta().then(function (meta) {
      var chunks = {};
      ids.forEach(function (id) { chunks[Math.floor(id / meta.chunk)] = true; });
      return Promise.all(Object.keys(chunks).map(function (n) {
        return self.json("d-" + n + ".json").then(function (list) { chunks[n] = list; });
      })).then(function () {
        return ids.map(function (id) { return chunks[Math.floor(id / meta.chunk)][id % meta.chunk]; });
      });
    });
  };

  var ENTITIES = { "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&#x27;": "'", "&#39;": "'" };
  function unescapeHtml(s) { return s.replace(/&(amp|lt|gt|quot|#x27|#39);/g, function (e) { return ENTITIES[e]; }); }
  function escapeHtml(s) {
    return s.replace(/[&<>"']/g, function (c) { return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#x27;" }[c]; });
  }
  /* Escaped HTML with every occurrence of `words` marked (case-insensitive, Thai anywhere). */
  function highlight(escaped, words) {
    var text = unescapeHtml(escaped);
    var found = words.filter(Boolean).map(function (w) { return w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); });
    if (!found.length) return escapeHtml(text);
    var re = new RegExp("(" + found.sort(function (a, b) { return b.length - a.length; }).join("|") + ")", "gi");
    return text.split(re).map(function (part, i) {
      return i % 2 ? "<mark data-md-highlight>" + escapeHtml(part) + "</mark>" : escapeHtml(part);
    }).join("");
  }

  root.pkSearch = { Engine: Engine, normalize: normalize, queryWords: queryWords, decode: decode,
    highlight: highlight, unescapeHtml: unescapeHtml, escapeHtml: escapeHtml };
})(typeof self !== "undefined" ? self : this);
