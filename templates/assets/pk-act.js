/* Prachakhom actions: ballot, receipt check, proposal form, comments. Loaded only by the pages that
   need it; no framework, no third-party script. Resident text is inserted with textContent only.
   The API base URL comes from <meta name="prachakhom-api"> (set by `prachakhom build --api-url`). */
(function () {
  "use strict";
  var d = document;
  var API = ((d.querySelector("meta[name=prachakhom-api]") || {}).content || "").replace(/\/$/, "");
  var NET = "ส่งไม่สำเร็จ อาจเป็นเพราะสัญญาณอินเทอร์เน็ต กรุณาลองอีกครั้ง";
  var OFF = "ระบบรับข้อมูลยังไม่เปิดให้บริการในเว็บไซต์นี้";

  function $(root, sel) { return root.querySelector(sel); }
  function $$(root, sel) { return Array.prototype.slice.call(root.querySelectorAll(sel)); }
  function el(tag, cls, text) {
    var e = d.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  function baht(n) { return Number(n).toLocaleString("th-TH") + " บาท"; }
  function newKey() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID() :
      Date.now().toString(36) + Math.random().toString(36).slice(2);
  }
  function base(form) {
    return API + "/api/municipalities/" + encodeURIComponent(form.dataset.m) +
      "/processes/" + encodeURIComponent(form.dataset.p);
  }
  /* fetch JSON; resolves {status, body}; status 0 = no answer (network) */
  function call(method, url, body, key) {
    if (!API) return Promise.resolve({ status: -1, body: { errors: [{ loc: [], msg: OFF }] } });
    var headers = { "Content-Type": "application/json" };
    if (key) headers["Idempotency-Key"] = key;
    return fetch(url, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined })
      .then(function (r) { return r.json().then(function (b) { return { status: r.status, body: b }; }); })
      .catch(function () { return { status: 0, body: { errors: [{ loc: [], msg: NET }] } }; });
  }
  /* Show each API error next to its field ([data-pk-err=<last loc>]) or in the status line. */
  function showErrors(form, errors, status) {
    var general = [];
    var first = null;
    (errors || []).forEach(function (e) {
      var loc = e.loc || [];
      var box = null;
      if (/^already_voted/.test(e.code)) loc = [];
      for (var i = loc.length - 1; i >= 0 && !box; i--) box = $(form, "[data-pk-err='" + loc[i] + "']");
      if (box) { setError(form, box, e.msg); first = first || box; } else general.push(e.msg);
    });
    if (status) status.textContent = general.join(" ");
    var input = first && $(form, "[aria-describedby~='" + first.id + "']");
    if (input) input.focus();
  }
  function setError(form, box, msg) {
    box.textContent = msg || "";
    var input = box.id && $(form, "[aria-describedby~='" + box.id + "']");
    if (input) { if (msg) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid"); }
  }
  function clearErrors(form) { $$(form, "[data-pk-err]").forEach(function (b) { setError(form, b, ""); }); }
  /* Required and length checks, Thai messages, shown while typing and on submit. */
  function checkField(form, input) {
    var box = $(form, "[data-pk-err='" + input.name + "']");
    if (!box) return true;
    var v = input.value.trim();
    var msg = "";
    if (input.hasAttribute("data-required") && !v) msg = "กรุณากรอกช่องนี้";
    else if (input.dataset.max && v.length > +input.dataset.max) {
      msg = "ยาวเกินไป: ไม่เกิน " + input.dataset.max + " ตัวอักษร (ตอนนี้ " + v.length + ")";
    } else if (input.dataset.kind === "money" && v && !/^[0-9,]+$/.test(v)) {
      msg = "กรอกเป็นจำนวนเงินเต็มบาท ตัวเลขเท่านั้น เช่น 150000";
    }
    setError(form, box, msg);
    return !msg;
  }
  function liveChecks(form) {
    form.addEventListener("input", function (e) { if (e.target.name) checkField(form, e.target); });
    form.addEventListener("change", function (e) { if (e.target.name) checkField(form, e.target); });
  }
  function checkAll(form, inputs) {
    var bad = inputs.filter(function (i) { return !checkField(form, i); });
    if (bad.length) bad[0].focus();
    return !bad.length;
  }
  function ready(form) { var n = $(form, "[data-pk-nojs]"); if (n) n.remove(); }

  /* ---- ballot -------------------------------------------------------------------------------- */
  function ballot(form) {
    ready(form);
    var kind = form.dataset.kind;
    var pots = $$(form, ".pk-pot");
    var error = $(form, "[data-pk-error]");
    var status = $(form, "[data-pk-status]");
    var key = null;
    function inputs(pot) { return $$(pot, "input[type=checkbox], input[type=number]"); }
    function chosen(pot) {
      return inputs(pot).filter(function (i) { return i.type === "checkbox" ? i.checked : +i.value > 0; });
    }
    function spent(pot) {
      return chosen(pot).reduce(function (s, i) {
        return s + (kind === "points" ? +i.value : kind === "budget" ? +i.dataset.cost : 1);
      }, 0);
    }
    function visible(pot) { return !pot.hidden; }
    function update(pot) {
      var used = spent(pot), left = $(pot, "[data-pk-left]"), budget = +pot.dataset.budget;
      if (kind === "budget") {
        $(pot, "[data-pk-fill]").style.width = Math.min(100, used * 100 / budget) + "%";
        inputs(pot).forEach(function (i) {
          i.closest("li").classList.toggle("pk-too-much", !i.checked && +i.dataset.cost > budget - used);
        });
        left.textContent = "ใช้ไป " + baht(used) + " เหลือ " + baht(budget - used) +
          (+form.dataset.minShare ? " (ต้องใช้อย่างน้อย " + form.dataset.minShare + "% คือ " +
            baht(Math.ceil(budget * form.dataset.minShare / 100)) + ")" : "");
      } else if (kind === "points") {
        left.textContent = "แบ่งคะแนนไปแล้ว " + used + " เหลือ " + (+form.dataset.total - used) + " คะแนน";
      } else {
        left.textContent = "เลือกแล้ว " + used + " โครงการ (เลือกได้ " + form.dataset.min + " ถึง " +
          form.dataset.max + " โครงการ)";
      }
    }
    /* refuse any change that breaks the rule: over the budget, too many projects, too many points */
    function guard(input) {
      var pot = input.closest(".pk-pot"), budget = +pot.dataset.budget, msg = "";
      if (kind === "points") {
        var v = Math.max(0, Math.min(+form.dataset.max, parseInt(input.value, 10) || 0));
        input.value = v;
        var over = spent(pot) - +form.dataset.total;
        if (over > 0) { input.value = v - over; msg = "คะแนนครบ " + form.dataset.total + " คะแนนแล้ว"; }
      } else if (input.checked && kind === "budget" && spent(pot) > budget) {
        input.checked = false;
        msg = "เลือกโครงการนี้ไม่ได้ เพราะเกินงบประมาณที่เหลือ " + baht(budget - spent(pot));
      } else if (input.checked && kind === "approval" && spent(pot) > +form.dataset.max) {
        input.checked = false;
        msg = "เลือกได้ไม่เกิน " + form.dataset.max + " โครงการ ถ้าต้องการโครงการนี้ ให้เอาเครื่องหมายออกจากโครงการอื่นก่อน";
      }
      error.textContent = msg;
      update(pot);
    }
    form.addEventListener("change", function (e) {
      var t = e.target;
      if (t.name === "village") return pickVillage(t.value);
      if (t.closest(".pk-pot")) guard(t);
    });
    form.addEventListener("click", function (e) {
      var b = e.target.closest("[data-step]");
      if (!b) return;
      var input = $(b.parentNode, "input");
      input.value = (+input.value || 0) + +b.dataset.step;
      guard(input);
    });
    function pickVillage(potId) {
      pots.forEach(function (pot) {
        if (!pot.hasAttribute("data-village-pot")) return;
        pot.hidden = pot.dataset.pot !== potId;
        if (pot.hidden) inputs(pot).forEach(function (i) { i.checked = false; if (i.type === "number") i.value = 0; });
        update(pot);
      });
    }
    if ($(form, "[data-pk-villages]")) pickVillage("");
    pots.forEach(update);
    function ruleProblem() {
      var filled = pots.filter(function (p) { return visible(p) && chosen(p).length; });
      if (!filled.length) return "ยังไม่ได้เลือกโครงการใด กรุณาเลือกอย่างน้อยหนึ่งโครงการ";
      for (var i = 0; i < filled.length; i++) {
        var pot = filled[i], name = $(pot, "h3").textContent, used = spent(pot), budget = +pot.dataset.budget;
        if (kind === "approval" && used < +form.dataset.min) {
          return name + ": ต้องเลือกอย่างน้อย " + form.dataset.min + " โครงการ";
        }
        if (kind === "budget" && used * 100 < budget * +form.dataset.minShare) {
          return name + ": ต้องใช้งบประมาณอย่างน้อย " + form.dataset.minShare + "% (" +
            baht(Math.ceil(budget * form.dataset.minShare / 100)) + ") ตอนนี้ใช้ " + baht(used);
        }
      }
      return "";
    }
    function choices() {
      var out = {};
      pots.forEach(function (pot) {
        var c = chosen(pot);
        if (!visible(pot) || !c.length) return;
        if (kind === "points") {
          out[pot.dataset.pot] = {};
          c.forEach(function (i) { out[pot.dataset.pot][i.dataset.slug] = +i.value; });
        } else out[pot.dataset.pot] = c.map(function (i) { return i.value; });
      });
      return out;
    }
    function summary() {
      var box = $(form, "[data-pk-summary]");
      box.textContent = "";
      pots.forEach(function (pot) {
        var c = chosen(pot);
        if (!visible(pot) || !c.length) return;
        box.appendChild(el("h3", "", $(pot, "h3").textContent));
        var ul = box.appendChild(el("ul"));
        c.forEach(function (i) {
          var li = $(i.closest("li"), ".pk-option__title").textContent;
          ul.appendChild(el("li", "", kind === "points" ? li + ": " + i.value + " คะแนน" :
            li + " (" + baht(i.dataset.cost) + ")"));
        });
        if (kind === "budget") box.appendChild(el("p", "", "รวม " + baht(spent(pot)) + " จากงบประมาณ " + baht(pot.dataset.budget)));
      });
    }
    function step(name) {
      $$(form, "[data-pk-step]").forEach(function (s) { s.hidden = s.dataset.pkStep !== name; });
      var h = $(form, "[data-pk-step='" + name + "'] h2");
      h.focus();
      window.scrollTo(0, h.getBoundingClientRect().top + window.pageYOffset - 80);
    }
    $(form, "[data-pk-next]").addEventListener("click", function () {
      var problem = ruleProblem();
      error.textContent = problem;
      if (problem) return;
      key = null;
      summary();
      step("review");
    });
    $(form, "[data-pk-back]").addEventListener("click", function () { status.textContent = ""; step("choose"); });
    function identity() {
      var nid = form.elements.national_id.value.replace(/\D/g, "");
      var okId = nid.length === 13 && (11 - nid.split("").slice(0, 12).reduce(function (s, c, i) {
        return s + c * (13 - i);
      }, 0) % 11) % 10 === +nid[12];
      setError(form, $(form, "[data-pk-err=national_id]"), okId ? "" :
        "เลขประจำตัวประชาชนไม่ถูกต้อง กรุณาตรวจสอบให้ครบ 13 หลักตามบัตรประชาชน");
      var born = birthDate(form.elements.birth_date.value);
      setError(form, $(form, "[data-pk-err=birth_date]"), born ? "" :
        "กรอกวันเกิดเป็น วัน/เดือน/ปี พ.ศ. เช่น 15/4/2504");
      if (!okId) form.elements.national_id.focus(); else if (!born) form.elements.birth_date.focus();
      return okId && born ? { national_id: nid, birth_date: born } : null;
    }
    function send(method) {
      var who = identity();
      if (!who) return;
      var body = { national_id: who.national_id, birth_date: who.birth_date, choices: choices() };
      key = key || newKey();
      status.textContent = "กำลังส่งบัตรลงคะแนน…";
      $(form, "[data-pk-change]").hidden = true;
      call(method, base(form) + "/ballot", body, key).then(function (r) {
        if (r.status === 200 || r.status === 201) {
          status.textContent = "";
          $(form, "[data-pk-receipt]").textContent = r.body.receipt;
          $(form, "[data-pk-receipt-link]").href = "../receipt/?code=" + encodeURIComponent(r.body.receipt);
          return step("done");
        }
        var errs = r.body.errors || [];
        showErrors(form, errs, status);
        if (errs.some(function (e) { return e.code === "already_voted_can_change"; })) {
          key = null;
          $(form, "[data-pk-change]").hidden = false;
        }
      });
    }
    form.elements.national_id.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); form.elements.birth_date.focus(); }
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); send("POST"); });
    $(form, "[data-pk-change]").addEventListener("click", function () { key = null; send("PUT"); });
  }
  /* "15/4/2504", "15-04-2504", "15042504" (Buddhist era, or Christian era) → "2004-04-15" */
  function birthDate(text) {
    var t = text.trim(), m = t.match(/^(\d{1,2})\D+(\d{1,2})\D+(\d{4})$/) || t.match(/^(\d{2})(\d{2})(\d{4})$/);
    if (!m) return "";
    var y = +m[3] > 2400 ? +m[3] - 543 : +m[3];
    var dt = new Date(Date.UTC(y, +m[2] - 1, +m[1]));
    if (dt.getUTCDate() !== +m[1] || dt.getUTCMonth() !== +m[2] - 1 || y < 1900) return "";
    return dt.toISOString().slice(0, 10);
  }

  /* ---- receipt check ------------------------------------------------------------------------- */
  function receipt(form) {
    ready(form);
    var status = $(form, "[data-pk-status]");
    function check() {
      var code = form.elements.code.value.trim();
      var box = $(form, "[data-pk-err=receipt]");
      setError(form, box, code.replace(/[^0-9a-z]/gi, "").length === 12 ? "" :
        "รหัสยืนยันมี 12 ตัว (ตัวเลขและตัวอักษรอังกฤษ) เช่น 7K2M-9QXD-R4TA");
      if (box.textContent) { form.elements.code.focus(); return; }
      status.textContent = "กำลังตรวจสอบ…";
      call("GET", base(form) + "/receipts/" + encodeURIComponent(code)).then(function (r) {
        status.textContent = "";
        if (r.status !== 200) { showErrors(form, r.body.errors, status); status.focus(); return; }
        var when = new Date(r.body.cast_at).toLocaleString("th-TH", { dateStyle: "long", timeStyle: "short" });
        status.appendChild(el("p", "pk-ok", "พบบัตรลงคะแนนรหัส " + r.body.receipt + " บันทึกเมื่อ " + when));
        status.appendChild(el("p", "", r.body.counted ? "บัตรของท่านถูกนับในผลการลงคะแนนแล้ว" :
          "บัตรของท่านถูกบันทึกแล้ว จะนับคะแนนเมื่อปิดลงคะแนน"));
        status.focus();
      });
    }
    form.addEventListener("submit", function (e) { e.preventDefault(); check(); });
    var given = new URLSearchParams(location.search).get("code");
    if (given) { form.elements.code.value = given; check(); }
  }

  /* ---- proposal form ------------------------------------------------------------------------- */
  function propose(form) {
    ready(form);
    liveChecks(form);
    var status = $(form, "[data-pk-status]");
    var fields = $$(form, "[data-pk-fields] [name]");
    var key = newKey();
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      status.textContent = "";
      if (!checkAll(form, fields)) { status.textContent = "กรุณาแก้ไขช่องที่มีข้อความสีแดง"; return; }
      var body = {};
      fields.forEach(function (i) {
        var v = i.value.trim();
        if (!v) return;
        body[i.name] = (i.dataset.kind === "money" || i.dataset.kind === "village") ? +v.replace(/,/g, "") : v;
      });
      status.textContent = "กำลังส่งข้อเสนอ…";
      call("POST", base(form) + "/proposals", body, key).then(function (r) {
        if (r.status !== 200 && r.status !== 201) { status.textContent = ""; return showErrors(form, r.body.errors, status); }
        status.textContent = "";
        $(form, "[data-pk-fields]").hidden = true;
        $(form, "button[type=submit]").hidden = true;
        var done = $(form, "[data-pk-done]");
        $(done, "[data-pk-slug]").textContent = r.body.proposal.slug;
        done.hidden = false;
        done.focus();
      });
    });
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
        call("POST", url + "/" + c.id + "/reports", {}, "report-" + c.id + "-" + key).then(function (r) {
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
      listStatus.textContent = all.length ? "ความคิดเห็น " + all.length + " รายการ" : "ยังไม่มีความคิดเห็น เขียนเป็นคนแรกได้";
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

  function start() {
    $$(d, "[data-pk-ballot]").forEach(ballot);
    $$(d, "[data-pk-receipt-form]").forEach(receipt);
    $$(d, "[data-pk-propose]").forEach(propose);
    $$(d, "[data-pk-comments]").forEach(comments);
  }
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", start); else start();
})();
