/* Support an idea (idea consultations): the big button opens an inline eligibility step (national ID
   and birth date, checked as on the ballot page), then shows the new count. Once a resident has
   supported one idea, the same page sends further supports without asking again (kept in memory
   only, never stored). */
(function (pk) {
  "use strict";
  var $ = pk.$, call = pk.call, base = pk.base, showErrors = pk.showErrors, identity = pk.identity;
  var who = null;

  function support(box) {
    var open = $(box, "[data-pk-support-open]"), form = $(box, "[data-pk-support-form]");
    var status = $(form, "[data-pk-status]"), done = $(box, "[data-pk-support-done]");
    var url = base(box) + "/proposals/" + encodeURIComponent(box.dataset.slug) + "/support";
    open.hidden = false;
    function send(body) {
      status.textContent = "กำลังส่ง…";
      call("POST", url, body).then(function (r) {
        status.textContent = "";
        if (r.status !== 200 && r.status !== 201) {
          form.hidden = false;
          open.hidden = true;
          return showErrors(form, r.body.errors, status);
        }
        who = body;
        var n = r.body.support_count;
        pk.$$(document, "[data-pk-support-count='" + box.dataset.slug + "']").forEach(function (c) {
          c.textContent = n + " คน";
        });
        form.hidden = true;
        open.hidden = true;
        done.textContent = (r.body.created ? "ขอบคุณที่สนับสนุนแนวคิดนี้ " :
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
