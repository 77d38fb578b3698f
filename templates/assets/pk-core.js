/* Prachakhom actions, shared part: calling the API, showing its errors next to the fields, inline
   Thai validation. Each action page adds its own small script (pk-vote.js, pk-forms.js,
   pk-comments.js); no framework, no third-party script. Resident text goes in with textContent only.
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
    } else if (input.dataset.maxBaht && v && +v.replace(/,/g, "") > +input.dataset.maxBaht) {
      msg = "จำนวนเงินมากเกินไป: ไม่เกิน " + baht(input.dataset.maxBaht) + " กรุณาตรวจสอบจำนวนศูนย์";
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
  function ready(form) { $$(form, "[data-pk-nojs]").forEach(function (n) { n.remove(); }); }

  /* Eligibility fields (national_id, birth_date in the Buddhist era) checked in the page, as the API
     checks them; errors next to the fields. Returns {national_id, birth_date} or null. */
  function identity(form) {
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
  /* "15/4/2504", "15-04-2504", "15042504" (Buddhist era, or Christian era) → "2004-04-15" */
  function birthDate(text) {
    var t = text.trim(), m = t.match(/^(\d{1,2})\D+(\d{1,2})\D+(\d{4})$/) || t.match(/^(\d{2})(\d{2})(\d{4})$/);
    if (!m) return "";
    var y = +m[3] > 2400 ? +m[3] - 543 : +m[3];
    var dt = new Date(Date.UTC(y, +m[2] - 1, +m[1]));
    if (dt.getUTCDate() !== +m[1] || dt.getUTCMonth() !== +m[2] - 1 || y < 1900) return "";
    return dt.toISOString().slice(0, 10);
  }

  /* run `fn(element)` for every element matching `selector` once the page is parsed */
  function on(selector, fn) {
    function go() { $$(d, selector).forEach(fn); }
    if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", go); else go();
  }
  window.pk = { $: $, $$: $$, el: el, baht: baht, newKey: newKey, base: base, call: call, showErrors: showErrors,
    setError: setError, checkField: checkField, liveChecks: liveChecks, checkAll: checkAll, ready: ready, on: on,
    identity: identity, NET: NET };
})();
