/* The ballot page: village choice, approval/budget/points rules per pot, review, eligibility, receipt. */
(function (pk) {
  "use strict";
  var $ = pk.$, $$ = pk.$$, el = pk.el, baht = pk.baht, newKey = pk.newKey, base = pk.base, call = pk.call;
  var showErrors = pk.showErrors, setError = pk.setError, liveChecks = pk.liveChecks, checkAll = pk.checkAll;
  var ready = pk.ready, identity = pk.identity, NET = pk.NET;

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
    var villageKey = "pk-village:" + form.dataset.m;
    form.addEventListener("change", function (e) {
      var t = e.target;
      if (t.name === "village") {
        try { localStorage.setItem(villageKey, t.value.replace("village-", "")); } catch (err) { /* not kept */ }
        return pickVillage(t.value);
      }
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
        loadOptions(pot);
      });
    }
    /* A big ballot (pages.BALLOT_INLINE_OPTIONS) carries no options in the page: a pot loads them
       from options/<pot>-<n>.json once it is shown, a file at a time ("แสดงโครงการเพิ่ม"), built
       as the template builds them. Titles go in with textContent only. */
    function button(step, label, describedBy) {
      var b = el("button", "", step > 0 ? "+" : "\u2212");
      b.type = "button";
      b.setAttribute("data-step", String(step));
      b.setAttribute("aria-label", label);
      b.setAttribute("aria-describedby", describedBy);
      return b;
    }
    function option(potId, o) {
      var id = potId + "--" + o[0], li = el("li", "pk-option");
      var title = el("span", "pk-option__title", o[1]), cost = el("span", "pk-option__cost", baht(o[2]));
      var label = li.appendChild(el("label", kind === "points" ? "" : "pk-choice"));
      label.htmlFor = id;
      if (kind === "points") {
        title.id = id + "-t";
        label.append(title, " ", cost);
        var stepper = li.appendChild(el("span", "pk-stepper")), input = el("input");
        input.type = "number";
        input.id = id;
        input.setAttribute("data-slug", o[0]);
        input.value = "0";
        input.min = "0";
        input.max = form.dataset.max;
        input.inputMode = "numeric";
        stepper.append(button(-1, "ลดคะแนน", id + "-t"), input, button(1, "เพิ่มคะแนน", id + "-t"));
      } else {
        var box = el("input");
        box.type = "checkbox";
        box.id = id;
        box.value = o[0];
        box.setAttribute("data-cost", String(o[2]));
        label.append(box, " ", title, " ", cost);
      }
      var more = li.appendChild(el("a", "pk-more", "อ่านรายละเอียด"));
      more.href = "../proposals/" + encodeURIComponent(o[0]) + "/";
      return li;
    }
    function loadOptions(pot) {
      var list = $(pot, "[data-pk-options]");
      if (!list || pot.hidden || list.dataset.loading) return;
      var files = +list.dataset.files, next = (+list.dataset.loaded || 0) + 1;
      if (!files && !list.dataset.loaded) {
        list.dataset.loaded = "0";
        list.appendChild(el("li", "", "ไม่มีโครงการในกองงบประมาณนี้"));
      }
      if (next > files) return;
      list.dataset.loading = "1";
      fetch("options/" + encodeURIComponent(list.dataset.pkOptions) + "-" + next + ".json")
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
        .then(function (options) {
          options.forEach(function (o) { list.appendChild(option(list.dataset.pkOptions, o)); });
          list.dataset.loaded = String(next);
          $(pot, "[data-pk-more-options-box]").hidden = next >= files;
          update(pot);
        }, function () { error.textContent = NET; })
        .then(function () { delete list.dataset.loading; });
    }
    $$(form, "[data-pk-more-options]").forEach(function (b) {
      b.addEventListener("click", function () { loadOptions(b.closest(".pk-pot")); });
    });
    /* ?village=N (a link sent per village) or the village remembered from an earlier visit */
    function knownVillage() {
      var n = new URLSearchParams(location.search).get("village");
      try {
        if (n) localStorage.setItem(villageKey, n); else n = localStorage.getItem(villageKey);
      } catch (err) { /* storage blocked */ }
      return /^[0-9]{1,2}$/.test(n || "") ? $(form, "input[name=village][value='village-" + n + "']") : null;
    }
    if ($(form, "[data-pk-villages]")) {
      var known = knownVillage();
      if (known) known.checked = true;
      pickVillage(known ? known.value : "");
    }
    pots.forEach(update);
    pots.forEach(loadOptions);
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
    /* The review step's one primary action: send, or, for a voter who has voted already, replace
       the ballot (when the rules allow it) or check the receipt. */
    function action(name, receipt) {
      $(form, "[data-pk-submit]").hidden = name !== "send";
      $(form, "[data-pk-change]").hidden = name !== "change";
      var voted = $(form, "[data-pk-voted]");
      voted.hidden = name !== "voted";
      if (receipt) voted.href = "../receipt/?code=" + encodeURIComponent(receipt);
    }
    $(form, "[data-pk-back]").addEventListener("click", function () {
      status.textContent = "";
      action("send");
      step("choose");
    });
    function send(method) {
      var who = identity(form);
      if (!who) return;
      var body = { national_id: who.national_id, birth_date: who.birth_date, choices: choices() };
      key = key || newKey();
      status.textContent = "กำลังส่งบัตรลงคะแนน…";
      call(method, base(form) + "/ballot", body, key).then(function (r) {
        if (r.status === 200 || r.status === 201) {
          status.textContent = "";
          $(form, "[data-pk-receipt]").textContent = r.body.receipt;
          $(form, "[data-pk-receipt-link]").href = "../receipt/?code=" + encodeURIComponent(r.body.receipt);
          return step("done");
        }
        var errs = r.body.errors || [];
        showErrors(form, errs, status);
        var voted = errs.filter(function (e) { return /^already_voted/.test(e.code); })[0];
        if (voted) {
          key = null;
          action(voted.code === "already_voted_can_change" ? "change" : "voted",
            ((voted.msg || "").match(/[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/) || [""])[0]);
        }
      });
    }
    form.elements.national_id.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); form.elements.birth_date.focus(); }
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); send("POST"); });
    $(form, "[data-pk-change]").addEventListener("click", function () { key = null; send("PUT"); });
  }
  pk.on("[data-pk-ballot]", ballot);
})(window.pk);
