/* Comments on a proposal page: read, write, reply, report. */
(function (pk) {
  "use strict";
  var $ = pk.$, $$ = pk.$$, el = pk.el, baht = pk.baht, newKey = pk.newKey, base = pk.base, call = pk.call;
  var showErrors = pk.showErrors, setError = pk.setError, liveChecks = pk.liveChecks, checkAll = pk.checkAll;
  var ready = pk.ready, NET = pk.NET;

  /* The reporter token the API counts reports by (one per distinct token): a random id kept in
     localStorage, or for this page only when storage is blocked. */
  var REPORTER = /^[A-Za-z0-9_-]{16,64}$/, reporterToken = null;
  function reporter() {
    if (reporterToken) return reporterToken;
    try { reporterToken = localStorage.getItem("pk-reporter"); } catch (e) { reporterToken = null; }
    if (!REPORTER.test(reporterToken || "")) {
      reporterToken = (newKey() + newKey()).replace(/[^A-Za-z0-9_-]/g, "").slice(0, 64);
      try { localStorage.setItem("pk-reporter", reporterToken); } catch (e) { /* this page only */ }
    }
    return reporterToken;
  }

  /* ---- comments ------------------------------------------------------------------------------ */
  function comments(box) {
    ready(box);
    var list = $(box, "[data-pk-comment-list]");
    var listStatus = $(box, "[data-pk-list-status]");
    var form = $(box, "[data-pk-comment-form]");
    var url = base(box) + "/proposals/" + encodeURIComponent(box.dataset.slug) + "/comments";
    var parent = null;
    var key = newKey();
    function item(c) {
      var li = el("li", "pk-comment");
      li.id = "comment-" + c.id;
      if (c.hidden) { li.appendChild(el("p", "pk-meta", "ความคิดเห็นนี้ถูกซ่อน เพราะมีผู้แจ้งว่าไม่เหมาะสม")); return li; }
      var when = new Date(c.created_at).toLocaleDateString("th-TH", { dateStyle: "long" });
      li.appendChild(el("p", "pk-meta", c.author + " · " + when));
      li.appendChild(el("p", "pk-comment__text", c.text));
      var actions = li.appendChild(el("p", "pk-comment__actions"));
      if (form && !c.parent_id) {
        var reply = actions.appendChild(el("button", "md-button pk-small", "ตอบกลับ"));
        reply.type = "button";
        reply.addEventListener("click", function () { replyTo(c); });
      }
      var report = actions.appendChild(el("button", "md-button pk-small", "แจ้งว่าไม่เหมาะสม"));
      report.type = "button";
      report.addEventListener("click", function () {
        var note = li.querySelector(".pk-reported") || li.appendChild(el("p", "pk-reported"));
        note.setAttribute("role", "status");
        var who = reporter();
        call("POST", url + "/" + c.id + "/reports", { reporter: who }, "report-" + c.id + "-" + who).then(function (r) {
          note.textContent = r.status === 200 ? "ขอบคุณที่แจ้ง เจ้าหน้าที่จะตรวจสอบความคิดเห็นนี้" :
            ((r.body.errors || [])[0] || {}).msg || NET;
          if (r.status === 200) report.disabled = true;
        });
      });
      return li;
    }
    function render(all) {
      list.textContent = "";
      var byId = {};
      all.forEach(function (c) { if (!c.parent_id) { byId[c.id] = list.appendChild(item(c)); } });
      all.forEach(function (c) {
        if (!c.parent_id) return;
        var host = byId[c.parent_id] || list.appendChild(el("li"));
        var sub = host.querySelector("ol") || host.appendChild(el("ol", "pk-replies"));
        sub.appendChild(item(c));
      });
      /* hidden comments keep their place in the thread but are not counted (as in the static copy) */
      var shown = all.filter(function (c) { return !c.hidden; }).length;
      listStatus.textContent = shown ? "ความคิดเห็น " + shown + " รายการ" :
        "ยังไม่มีความคิดเห็น" + (form ? " เขียนเป็นคนแรกได้" : "");
    }
    function load() {
      return call("GET", url).then(function (r) {
        if (r.status === 200) render(r.body.comments);
        else listStatus.textContent = ((r.body.errors || [])[0] || {}).msg || NET;
      });
    }
    function replyTo(c) {
      parent = c;
      $(form, "[data-pk-replying]").hidden = !c;
      $(form, "[data-pk-replying-text]").textContent = c ? "ตอบกลับความคิดเห็นของ " + c.author : "";
      $(form, "[data-pk-form-title]").textContent = c ? "ตอบกลับความคิดเห็น" : "เขียนความคิดเห็น";
      form.elements.text.focus();
    }
    load();
    if (!form) return;
    liveChecks(form);
    var status = $(form, "[data-pk-status]");
    $(form, "[data-pk-cancel-reply]").addEventListener("click", function () { replyTo(null); });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var inputs = [form.elements.text, form.elements.author];
      if (!checkAll(form, inputs)) return;
      var body = { text: form.elements.text.value.trim(), author: form.elements.author.value.trim() };
      if (parent) body.parent_id = parent.id;
      status.textContent = "กำลังส่ง…";
      call("POST", url, body, key).then(function (r) {
        if (r.status !== 200 && r.status !== 201) { status.textContent = ""; return showErrors(form, r.body.errors, status); }
        key = newKey();
        form.elements.text.value = "";
        status.textContent = "ส่งความคิดเห็นแล้ว";
        replyTo(null);
        load();
      });
    });
  }

  pk.on("[data-pk-comments]", comments);
})(window.pk);
