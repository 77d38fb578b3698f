/* Support an idea (idea consultations): the big button opens an inline eligibility step (national ID
   and birth date, checked as on the ballot page), then shows the new count. Once a resident has
   supported one idea, the same page sends further supports without asking again (kept in memory
   only, never stored). One request at a time per idea, with an Idempotency-Key: a double tap
   sends once; a retry after a lost answer that finds the support stored is this resident's own. */
(function (pk) {
  "use strict";
  var $ = pk.$, call = pk.call, base = pk.base, showErrors = pk.showErrors, identity = pk.identity;
  var newKey = pk.newKey;
  var who = null;

  function support(box) {
    var open = $(box, "[data-pk-support-open]"), form = $(box, "[data-pk-support-form]");
    var status = $(form, "[data-pk-status]"), done = $(box, "[data-pk-support-done]");
    var url = base(box) + "/proposals/" + encodeURIComponent(box.dataset.slug) + "/support";
    var submit = $(form, "[type=submit]"), sending = false, key = null, sent = "", unanswered = false;
    open.hidden = false;
    function send(body) {
      if (sending) return;  /* a second tap while the first is on its way */
      sending = true;
      open.disabled = submit.disabled = true;
      if (JSON.stringify(body) !== sent) { key = newKey(); sent = JSON.stringify(body); unanswered = false; }
      status.textContent = "กำลังส่ง…";
      call("POST", url, body, key).then(function (r) {
        sending = false;
        open.disabled = submit.disabled = false;
        status.textContent = "";
        if (r.status !== 200 && r.status !== 201) {
          unanswered = unanswered || r.status === 0;
          form.hidden = false;
          open.hidden = true;
          return showErrors(form, r.body.errors, status);
        }
        sent = "";
        who = body;
        var n = r.body.support_count;
        pk.$$(document, "[data-pk-support-count='" + box.dataset.slug + "']").forEach(function (c) {
          c.textContent = n + " คน";
        });
        form.hidden = true;
        open.hidden = true;
        var ours = r.body.created || unanswered;  /* stored by our own earlier try whose answer was lost */
        unanswered = false;
        done.textContent = (ours ? "ขอบคุณที่สนับสนุนแนวคิดนี้ " :
          "ท่านเคยสนับสนุนแนวคิดนี้แล้ว ระบบนับให้คนละหนึ่งครั้ง ") + "ตอนนี้มีผู้สนับสนุน " + n + " คน";
        done.hidden = false;
        done.focus();
      });
    }
    open.addEventListener("click", function () {
      if (who) return send(who);
      open.hidden = true;
      form.hidden = false;
      form.elements.national_id.focus();
    });
    form.elements.national_id.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); form.elements.birth_date.focus(); }
    });
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var body = identity(form);
      if (body) send(body);
    });
  }

  pk.on("[data-pk-support]", support);
})(window.pk);
