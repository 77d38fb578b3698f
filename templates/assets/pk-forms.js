/* The proposal form and the receipt check. */
(function (pk) {
  "use strict";
  var $ = pk.$, $$ = pk.$$, el = pk.el, baht = pk.baht, newKey = pk.newKey, base = pk.base, call = pk.call;
  var showErrors = pk.showErrors, setError = pk.setError, liveChecks = pk.liveChecks, checkAll = pk.checkAll;
  var ready = pk.ready, NET = pk.NET;

  /* ---- receipt check ------------------------------------------------------------------------- */
  var STATUS = { pending: "บัตรของท่านถูกบันทึกแล้ว", counted: "บัตรของท่านถูกนับในผลการลงคะแนนแล้ว",
    not_counted: "บัตรของท่านไม่ถูกนับ" };
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
        /* the API says whether the ballot is counted (pending / counted / not_counted) and why, in Thai */
        var said = el("p", "pk-receipt-status pk-receipt-status--" + r.body.status, r.body.msg || STATUS[r.body.status]);
        said.setAttribute("data-status", r.body.status);
        status.appendChild(said);
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

  pk.on("[data-pk-receipt-form]", receipt);
  pk.on("[data-pk-propose]", propose);
})(window.pk);
