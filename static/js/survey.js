/* The survey pages: show_if in the page, autosave of every change, and no lost answer.
 *
 * Every change goes first into a queue in localStorage (one entry per question), then to the server, one
 * request at a time; an entry leaves the queue only when the server has acknowledged it. So a dropped
 * connection, an ended session or a refused CSRF token only delays a change: the page says so ("n changes
 * not yet saved", "log in again"), and sends it when it can, from any page of the assessment that carries
 * the queue (a section, the overview and results, the submission). Each change carries an idempotency key:
 * the server accepts a change sent again quietly only when that very change produced the stored answer; any
 * other newer answer (409), a colleague's or one from another browser of the same account, is held beside
 * the question until the person chooses between the two.
 *
 * No library and no inline script (the CSP allows only scripts from 'self'): the page hands over its data
 * in data-* attributes; the pure rules (numbers, show_if, queued changes) are in survey-core.js.
 */
(function () {
  "use strict";

  var core = window.RoadmapSurvey;
  var queueRoot = document.querySelector("[data-survey-queue]");
  if (!core || !queueRoot) {
    return;
  }
  var form = document.getElementById("survey-form");
  if (form && form.dataset.editable !== "1") {
    form = null;
  }

  var data = Object.assign({}, queueRoot.dataset, form ? form.dataset : {});
  var storageKey = "roadmap.survey.v1." + data.assessment + "." + data.user;
  var savedKey = storageKey + ".saved"; // the last "Saved at …", for the other pages of the assessment
  var numbers = core.numberForm(data.numberGroup, data.numberDecimal);
  var context = parseJSON(data.context, {});
  var questions = form ? Array.prototype.slice.call(form.querySelectorAll("fieldset[data-question]")) : [];
  var byCode = {};
  var conditions = {};
  questions.forEach(function (fieldset) {
    byCode[fieldset.dataset.question] = fieldset;
    if (fieldset.dataset.showIf) {
      conditions[fieldset.dataset.question] = parseJSON(fieldset.dataset.showIf, null);
    }
  });

  var stateLine = document.querySelector("[data-save-state]");
  var pendingBadge = document.querySelector("[data-pending]");
  var loginBanner = document.querySelector("[data-login-banner]");
  var offlineBanner = document.querySelector("[data-offline-banner]");
  var panel = document.querySelector("[data-result-panel]");

  var token = (document.querySelector('input[name="csrf_token"]') || {}).value || "";
  var memoryQueue = {}; // used only when localStorage is unavailable
  var sending = false;
  var blocked = null; // null | "offline" | "login"
  var retryTimer = null;
  var debounces = {};

  function parseJSON(text, fallback) {
    try {
      return text ? JSON.parse(text) : fallback;
    } catch (error) {
      return fallback;
    }
  }

  // --- the queue (read fresh each time: another tab of the same survey may have changed it) -----------

  function readQueue() {
    try {
      var stored = window.localStorage.getItem(storageKey);
      return stored ? JSON.parse(stored) : {};
    } catch (error) {
      return memoryQueue;
    }
  }

  function writeQueue(queue) {
    memoryQueue = queue;
    try {
      window.localStorage.setItem(storageKey, JSON.stringify(queue));
    } catch (error) {
      /* private mode or full: the in-memory queue still works while the page is open */
    }
    showPending();
  }

  function mutate(change) {
    var queue = readQueue();
    change(queue);
    writeQueue(queue);
    return queue;
  }

  function showPending() {
    var count = Object.keys(readQueue()).length;
    if (!pendingBadge) {
      return;
    }
    pendingBadge.hidden = count === 0;
    pendingBadge.textContent = count === 1 ? data.msgPendingOne : data.msgPendingMany.replace("{n}", count);
  }

  function say(text) {
    if (stateLine) {
      stateLine.textContent = text || "";
    }
  }

  // --- reading and writing a question's inputs ---------------------------------------------------------

  function field(fieldset, suffix) {
    return fieldset.querySelector('[name="' + fieldset.dataset.question + "-" + suffix + '"]');
  }

  // How the page reads and writes the inputs of each question type: the fieldset's data-input names the hook
  // (forms/question_inputs.py). read: the value the inputs hold (null: none); write: show a value (or none);
  // fact: the value as show_if conditions compare it, like the engine (null: no usable value).
  function checked(inputs) {
    return inputs.filter(function (input) { return input.checked; }).map(function (input) { return input.value; });
  }
  function identity(value) { return value; }
  var typed = {
    read: function (inputs) { var text = inputs.length ? inputs[0].value : ""; return text.trim() ? text : null; },
    write: function (input, value) { input.value = value === null || value === undefined ? "" : String(value); }
  };
  var inputHooks = {
    one: { // radio buttons: one option code
      read: function (inputs) { return checked(inputs)[0] || null; },
      write: function (input, value) { input.checked = input.value === value; },
      fact: identity
    },
    yes_no: { // radio buttons "yes" / "no": a boolean
      read: function (inputs) { return checked(inputs)[0] || null; },
      write: function (input, value) { input.checked = input.value === (value === true ? "yes" : value === false ? "no" : value); },
      fact: function (value) { return value === "yes" ? true : value === "no" ? false : value; }
    },
    many: { // check boxes: a list of option codes
      read: function (inputs) { var chosen = checked(inputs); return chosen.length ? chosen : null; },
      write: function (input, value) { input.checked = Array.isArray(value) && value.indexOf(input.value) >= 0; },
      fact: identity
    },
    number: { // a figure typed in the user's form: "1.234,5" in Vietnamese, "1,234.5" in English
      read: typed.read,
      write: function (input, value) { typed.write(input, typeof value === "number" ? core.formatNumber(value, numbers) : value); },
      fact: function (value) { return typeof value === "number" ? value : core.parseNumber(value, numbers); }
    },
    text: { read: typed.read, write: typed.write, fact: identity } // words, or a value typed as text (a date)
  };

  function hookOf(fieldset) {
    return inputHooks[fieldset.dataset.input] || inputHooks.text;
  }

  function readAnswer(fieldset) {
    var notApplicable = field(fieldset, "not_applicable");
    var dontKnow = field(fieldset, "dont_know");
    if (notApplicable && notApplicable.checked) {
      return { state: "na", value: null };
    }
    if (dontKnow && dontKnow.checked) {
      return { state: "dont_know", value: null };
    }
    var value = hookOf(fieldset).read(Array.prototype.slice.call(fieldset.querySelectorAll("[data-answer]")));
    return value === null ? { state: null, value: null } : { state: "answered", value: value };
  }

  function writeAnswer(fieldset, state, value) {
    var notApplicable = field(fieldset, "not_applicable");
    var dontKnow = field(fieldset, "dont_know");
    if (notApplicable) { notApplicable.checked = state === "na"; }
    if (dontKnow) { dontKnow.checked = state === "dont_know"; }
    var hook = hookOf(fieldset);
    var shown = state === "answered" ? value : null;
    fieldset.querySelectorAll("[data-answer]").forEach(function (input) { hook.write(input, shown); });
    markSpecialState(fieldset);
  }

  function markSpecialState(fieldset) {
    var special = fieldset.querySelector("[data-state]:checked");
    fieldset.classList.toggle("answer-off", Boolean(special));
  }

  // --- show_if: the engine's operators, over visible answers only (hiding cascades) ----------------------

  function asFact(fieldset) {
    var answer = readAnswer(fieldset);
    if (answer.state === null) {
      return null;
    }
    if (answer.state !== "answered") {
      return answer;
    }
    var value = hookOf(fieldset).fact(answer.value);
    return value === null ? null : { state: "answered", value: value };
  }

  var holds = core.holds;

  function applyVisibility() {
    var facts = {};
    Object.keys(context).forEach(function (code) { facts[code] = context[code]; });
    questions.forEach(function (fieldset) {
      var code = fieldset.dataset.question;
      var condition = conditions[code];
      var visible = !condition || holds(condition, facts);
      fieldset.hidden = !visible;
      var fact = visible ? asFact(fieldset) : null;
      if (fact) {
        facts[code] = fact;
      } else {
        delete facts[code];
      }
    });
  }

  // --- queueing changes --------------------------------------------------------------------------------

  function queueAnswer(fieldset) {
    var code = fieldset.dataset.question;
    var answer = readAnswer(fieldset);
    if (fieldset.dataset.input === "number" && answer.state === "answered" && core.parseNumber(answer.value, numbers) === null) {
      // Refused here as the server would refuse it: the text stays in the field, the message beside it.
      mutate(function (queue) { delete queue["a:" + code]; });
      showError(code, { message: data.msgNumberForm.replace("{code}", code) });
      applyVisibility();
      return;
    }
    clearError(code);
    mutate(function (queue) {
      queue["a:" + code] = core.answerChange(queue["a:" + code] || null, code, answer, Number(fieldset.dataset.version || 0));
    });
    applyVisibility();
    flush();
  }

  function queueEvidence(code) {
    var fieldset = byCode[code];
    mutate(function (queue) {
      queue["e:" + code] = {
        kind: "evidence",
        question: code,
        note: field(fieldset, "note").value,
        document_number: field(fieldset, "document_number").value,
        document_date: field(fieldset, "document_date").value,
        key: core.newKey()
      };
    });
    flush();
  }

  function later(key, action) {
    window.clearTimeout(debounces[key]);
    debounces[key] = window.setTimeout(function () {
      delete debounces[key];
      action();
    }, 700);
  }

  function runPendingDebounces() {
    Object.keys(debounces).forEach(function (key) {
      window.clearTimeout(debounces[key]);
      delete debounces[key];
      if (key.indexOf("a:") === 0) {
        queueAnswer(byCode[key.slice(2)]);
      } else {
        queueEvidence(key.slice(2));
      }
    });
  }

  // --- sending -----------------------------------------------------------------------------------------

  function headers() {
    return { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token };
  }

  async function readJSON(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") < 0) {
      return null;
    }
    try {
      return await response.json();
    } catch (error) {
      return null;
    }
  }

  function nextEntry() {
    var queue = readQueue();
    var keys = Object.keys(queue);
    for (var i = 0; i < keys.length; i += 1) {
      if (!queue[keys[i]].held) {
        return { key: keys[i], entry: queue[keys[i]] };
      }
    }
    return null;
  }

  async function flush() {
    if (sending || blocked) {
      return;
    }
    sending = true;
    try {
      var next = nextEntry();
      while (next && !blocked) {
        say(data.msgSaving);
        var outcome = await send(next.key, next.entry);
        if (outcome === "stop") {
          break;
        }
        next = nextEntry();
      }
      if (!blocked && Object.keys(readQueue()).length === 0) {
        offlineBanner.hidden = true;
      }
    } finally {
      sending = false;
      showPending();
    }
    if (liveStale && !sending && Object.keys(readQueue()).length === 0) {
      refreshLive();
    }
  }

  // The live result (panel, progress, evidence flags) is computed once the queue is empty, not per save.
  var liveStale = false;
  var liveLoading = false;

  async function refreshLive() {
    if (liveLoading || !data.liveUrl) { liveStale = false; return; }
    liveLoading = true;
    liveStale = false;
    try {
      var response = await fetch(data.liveUrl, {
        credentials: "same-origin",
        redirect: "manual",
        headers: { Accept: "application/json" }
      });
      var reply = await readJSON(response);
      if (response.ok && reply && reply.status === "ok") {
        applyLive(reply);
      }
    } catch (error) {
      liveStale = true; // offline again: asked for once the queue is sent
    } finally {
      liveLoading = false;
    }
    if (liveStale && !sending && Object.keys(readQueue()).length === 0) {
      refreshLive();
    }
  }

  async function send(key, entry) {
    var answer = entry.kind === "answer";
    var body = answer
      ? core.answerBody(entry, data.section)
      : { question: entry.question, note: entry.note, document_number: entry.document_number, document_date: entry.document_date, section: data.section };
    var response;
    try {
      response = await fetch(answer ? data.saveUrl : data.evidenceUrl, {
        method: "POST",
        credentials: "same-origin",
        redirect: "manual",
        headers: headers(),
        body: JSON.stringify(body)
      });
    } catch (error) {
      // Sent or not, we cannot know: the retry carries the same key, which the server recognises if the
      // attempt arrived; a later change to the question names it (core.answerChange, `follows`).
      mutate(function (queue) { if (queue[key] && queue[key].key === entry.key) { queue[key].uncertain = true; } });
      goOffline();
      return "stop";
    }
    var reply = await readJSON(response);
    if (response.type === "opaqueredirect" || response.status === 401 || (reply && reply.status === "login_required")) {
      needLogin();
      return "stop";
    }
    if (response.status === 429) {
      return backOff(response, reply);
    }
    if (!reply) {
      retrySoon();
      return "stop";
    }
    if (reply.status === "saved" || reply.status === "unchanged" || reply.status === "cleared") {
      acknowledge(key, entry, reply);
      return "next";
    }
    if (reply.status === "csrf") {
      return (await refreshToken()) ? "next" : "stop";
    }
    if (reply.status === "conflict") {
      // A newer answer this page has not seen, whoever gave it: both are shown, nothing is sent again until
      // the person chooses (the server already recognised our own earlier attempts by their keys).
      mutate(function (queue) { if (queue[key]) { queue[key] = core.heldOnConflict(queue[key], reply); } });
      if (byCode[entry.question]) {
        showConflict(entry.question);
        say("");
      } else {
        say(data.msgConflictElsewhere.replace("{code}", entry.question));
      }
      return "next";
    }
    if (reply.status === "invalid") {
      // The server refused the value itself: it stays in the field with the message beside it.
      mutate(function (queue) { if (queue[key] && queue[key].key === entry.key) { delete queue[key]; } });
      showError(entry.question, reply);
      say(byCode[entry.question] ? "" : reply.message);
      return "next";
    }
    if (reply.status === "locked") {
      mutate(function (queue) { Object.keys(queue).forEach(function (k) { delete queue[k]; }); });
      say(reply.message);
      return "stop";
    }
    if (response.status >= 500) {
      retrySoon();
      return "stop";
    }
    // 403 or 404: this change can never be saved here.
    mutate(function (queue) { delete queue[key]; });
    say(data.msgRetry);
    return "next";
  }

  function acknowledge(key, entry, reply) {
    mutate(function (queue) {
      var current = queue[key];
      if (current && current.key === entry.key) {
        delete queue[key];
      } else if (current && entry.kind === "answer") {
        current.base_version = reply.version; // a newer change was made meanwhile: it follows this save
      }
    });
    try {
      window.localStorage.setItem(savedKey, JSON.stringify({ message: reply.message, at: Date.now() }));
    } catch (error) {
      /* the other pages of the assessment will not hear of it; this one says it below */
    }
    var fieldset = byCode[entry.question];
    if (fieldset && entry.kind === "answer") {
      fieldset.dataset.version = String(reply.version);
      var versionInput = field(fieldset, "version");
      if (versionInput) { versionInput.value = String(reply.version); }
      var meta = fieldset.querySelector("[data-meta-for]");
      if (meta && reply.meta) { meta.textContent = reply.meta; }
      if (!reply.to_confirm) {
        var notice = fieldset.querySelector("[data-to-confirm-for]");
        if (notice) { notice.remove(); }
      }
    }
    clearError(entry.question);
    liveStale = true;
    say(reply.message);
  }

  function applyLive(reply) {
    if (panel && reply.panel_html) {
      panel.innerHTML = reply.panel_html; // rendered and escaped by the server's templates
    }
    var overall = document.querySelector("[data-progress-overall]");
    if (overall && reply.progress_text) { overall.textContent = reply.progress_text; }
    var sections = (reply.progress || {}).sections || {};
    Object.keys(sections).forEach(function (code) {
      var item = document.querySelector('[data-progress-section="' + code + '"]');
      if (!item) { return; }
      var section = sections[code];
      item.classList.toggle("complete", section.complete);
      item.querySelector("[data-progress-count]").textContent = section.answered + "/" + section.required;
      var mark = item.querySelector(".mark");
      if (mark) { mark.textContent = section.complete ? "✓" : "○"; }
      var label = item.querySelector("[data-progress-label]");
      if (label) { label.textContent = " " + (section.complete ? data.msgComplete : data.msgIncomplete); }
    });
    if (reply.evidence_needed) {
      document.querySelectorAll("[data-evidence-needed-for]").forEach(function (flag) {
        flag.hidden = reply.evidence_needed.indexOf(flag.dataset.evidenceNeededFor) < 0;
      });
    }
  }

  function showError(code, reply) {
    var fieldset = byCode[code];
    if (!fieldset) { return; }
    var problems = reply.problems || [{ field: "value", message: reply.message }];
    problems.forEach(function (problem) {
      var target = problem.field && problem.field !== "value"
        ? document.getElementById(code + "-" + problem.field + "-error")
        : fieldset.querySelector("[data-error-for]");
      if (target) { target.textContent = problem.message; }
    });
    fieldset.classList.add("has-error");
    fieldset.querySelectorAll("[data-answer]").forEach(function (input) { input.setAttribute("aria-invalid", "true"); });
  }

  function clearError(code) {
    var fieldset = byCode[code];
    if (!fieldset) { return; }
    fieldset.classList.remove("has-error");
    fieldset.querySelectorAll(".error").forEach(function (element) {
      if (!element.dataset.uploadErrorFor) { element.textContent = ""; }
    });
    fieldset.querySelectorAll("[aria-invalid]").forEach(function (input) { input.removeAttribute("aria-invalid"); });
  }

  // --- conflicts ---------------------------------------------------------------------------------------

  function showConflict(code) {
    var fieldset = byCode[code];
    var entry = readQueue()["a:" + code];
    if (!fieldset || !entry || !entry.held) { return; }
    var box = fieldset.querySelector("[data-conflict-for]");
    box.textContent = "";
    var held = entry.held;
    var lines = [[held.message], [data.msgTheirAnswer, held.theirs.text], [data.msgYourAnswer, held.mine.text]];
    lines.forEach(function (line) {
      var paragraph = document.createElement("p");
      paragraph.textContent = line[0] + (line.length > 1 ? " " : "");
      if (line.length > 1) {
        var strong = document.createElement("strong");
        strong.textContent = line[1];
        paragraph.appendChild(strong);
      }
      box.appendChild(paragraph);
    });
    var keep = document.createElement("button");
    keep.type = "button";
    keep.className = "button-secondary";
    keep.textContent = data.msgKeepMine;
    keep.addEventListener("click", function () { resolve(code, "mine"); });
    var take = document.createElement("button");
    take.type = "button";
    take.className = "button-secondary";
    take.textContent = data.msgTakeTheirs;
    take.addEventListener("click", function () { resolve(code, "theirs"); });
    box.appendChild(keep);
    box.appendChild(document.createTextNode(" "));
    box.appendChild(take);
    box.hidden = false;
    keep.focus();
  }

  function resolve(code, choice) {
    var fieldset = byCode[code];
    var theirs = null;
    mutate(function (queue) {
      var entry = queue["a:" + code];
      if (!entry || !entry.held) { return; }
      theirs = entry.held.theirs;
      if (choice === "mine") {
        entry.base_version = theirs.version; // we have seen theirs now: ours replaces it knowingly
        entry.held = null;
      } else {
        delete queue["a:" + code];
      }
    });
    if (!theirs) { return; }
    fieldset.dataset.version = String(theirs.version);
    var versionInput = field(fieldset, "version");
    if (versionInput) { versionInput.value = String(theirs.version); }
    if (choice === "theirs") {
      writeAnswer(fieldset, theirs.state, theirs.value);
      var meta = fieldset.querySelector("[data-meta-for]");
      if (meta && theirs.meta) { meta.textContent = theirs.meta; }
      applyVisibility();
    }
    var box = fieldset.querySelector("[data-conflict-for]");
    box.hidden = true;
    box.textContent = "";
    flush();
  }

  // --- session, token, connection ------------------------------------------------------------------------

  async function refreshToken() {
    var response;
    try {
      response = await fetch(data.tokenUrl, { credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" } });
    } catch (error) {
      goOffline();
      return false;
    }
    var reply = await readJSON(response);
    if (!reply || !reply.token) {
      needLogin();
      return false;
    }
    token = reply.token;
    document.querySelectorAll('input[name="csrf_token"]').forEach(function (input) { input.value = token; });
    return true;
  }

  function needLogin() {
    blocked = "login";
    loginBanner.hidden = false;
    say("");
    retrySoon();
  }

  function goOffline() {
    blocked = "offline";
    offlineBanner.hidden = false;
    say("");
    retrySoon();
  }

  // Too many requests (issue 20): the change stays queued, nothing is dropped; sending resumes once the
  // server's Retry-After has passed (with a little jitter, so that a room of colleagues does not return
  // at the same second).
  function backOff(response, reply) {
    var seconds = parseInt(response.headers.get("Retry-After") || (reply && reply.retry_after) || "15", 10);
    blocked = "busy";
    say(reply && reply.message ? reply.message : data.msgRetry);
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(resume, (Math.max(1, seconds) + Math.random()) * 1000);
    return "stop";
  }

  function retrySoon() {
    window.clearTimeout(retryTimer);
    retryTimer = window.setTimeout(resume, 15000);
  }

  async function resume() {
    window.clearTimeout(retryTimer);
    if (blocked === "login") {
      if (!(await refreshToken())) { return; }
      loginBanner.hidden = true;
    }
    blocked = null;
    offlineBanner.hidden = true;
    flush();
  }

  window.addEventListener("online", resume);
  window.addEventListener("focus", function () { if (blocked) { resume(); } });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && blocked) { resume(); }
  });
  window.addEventListener("storage", function (event) {
    if (event.key === storageKey) { showPending(); }
    if (event.key === savedKey && event.newValue) {
      // Another page of the assessment (often the one opened by "log in again") stored queued changes.
      say((parseJSON(event.newValue, {}) || {}).message || "");
      if (blocked === "login") { resume(); }
    }
  });
  // Typing not yet queued is queued before the page goes away (localStorage writes are synchronous).
  window.addEventListener("pagehide", runPendingDebounces);

  // --- files -------------------------------------------------------------------------------------------

  async function postFiles(url, body, code) {
    var errorLine = document.querySelector('[data-upload-error-for="' + code + '"]');
    if (!navigator.onLine) {
      errorLine.textContent = data.msgUploadOffline;
      return null;
    }
    for (var attempt = 0; attempt < 2; attempt += 1) {
      body.set("csrf_token", token);
      var response;
      try {
        response = await fetch(url, { method: "POST", credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json", "X-CSRFToken": token }, body: body });
      } catch (error) {
        errorLine.textContent = data.msgUploadOffline;
        return null;
      }
      var reply = await readJSON(response);
      if (reply && reply.status === "csrf" && attempt === 0 && (await refreshToken())) {
        continue;
      }
      if (response.type === "opaqueredirect" || response.status === 401) {
        needLogin();
        return null;
      }
      if (!reply || !reply.files_html) {
        errorLine.textContent = (reply && reply.message) || data.msgRetry;
        return null;
      }
      errorLine.textContent = "";
      var list = document.querySelector('[data-files-for="' + code + '"]');
      list.outerHTML = reply.files_html;
      applyLive(reply);
      return reply;
    }
    return null;
  }

  // The section's own inputs (a page without them, such as the overview, only sends the queue).
  function onForm(type, handler) {
    if (form) { form.addEventListener(type, handler); }
  }

  onForm("change", function (event) {
    var target = event.target;
    var fieldset = target.closest("fieldset[data-question]");
    if (!fieldset) { return; }
    var code = fieldset.dataset.question;
    if (target.dataset.upload) {
      if (!target.files.length) { return; }
      var body = new FormData();
      body.set("question", code);
      Array.prototype.forEach.call(target.files, function (file) { body.append("files", file); });
      say(data.msgUploading);
      postFiles(data.filesUrl, body, code).then(function (reply) {
        target.value = "";
        say(reply ? reply.message || "" : "");
      });
      return;
    }
    if (target.dataset.evidence) {
      window.clearTimeout(debounces["e:" + code]);
      delete debounces["e:" + code];
      queueEvidence(code);
      return;
    }
    if (target.dataset.state && target.checked) {
      // "Not applicable" and "don't know" exclude each other.
      fieldset.querySelectorAll("[data-state]").forEach(function (other) {
        if (other !== target) { other.checked = false; }
      });
    }
    markSpecialState(fieldset);
    window.clearTimeout(debounces["a:" + code]);
    delete debounces["a:" + code];
    queueAnswer(fieldset);
  });

  onForm("input", function (event) {
    var target = event.target;
    var fieldset = target.closest("fieldset[data-question]");
    if (!fieldset || !(target.tagName === "TEXTAREA" || target.type === "text" || target.type === "date")) { return; }
    var code = fieldset.dataset.question;
    if (target.dataset.evidence) {
      later("e:" + code, function () { queueEvidence(code); });
    } else if (target.dataset.answer) {
      later("a:" + code, function () { queueAnswer(fieldset); });
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-delete-file]");
    if (!button) { return; }
    event.preventDefault();
    var body = new FormData();
    body.set("file_id", button.dataset.deleteFile);
    postFiles(data.deleteUrl, body, button.dataset.question);
  });

  // "Save" with the script running: everything is already queued; send it now, then go on if asked.
  onForm("submit", function (event) {
    event.preventDefault();
    var goNext = event.submitter && event.submitter.value === "next";
    runPendingDebounces();
    flush().then(function () {
      var next = document.querySelector('a[rel="next"]');
      if (goNext && next && Object.keys(readQueue()).length === 0) {
        window.location.assign(next.href);
      } else if (Object.keys(readQueue()).length === 0) {
        say(data.msgAllSaved);
      }
    });
  });

  // Submitting the assessment: the queued changes go first, and the confirmation is sent once.
  document.querySelectorAll("form[data-submit-once]").forEach(function (confirmation) {
    confirmation.addEventListener("submit", function (event) {
      if (confirmation.dataset.sent) {
        event.preventDefault();
        return;
      }
      if (Object.keys(readQueue()).length > 0) {
        event.preventDefault();
        flush().then(function () {
          if (Object.keys(readQueue()).length === 0) {
            confirmation.dataset.sent = "1";
            confirmation.submit();
          }
        });
        return;
      }
      confirmation.dataset.sent = "1";
    });
  });

  // --- start: put back what was typed and not yet saved, show held conflicts, send the rest -------------

  var queued = readQueue();
  Object.keys(queued).forEach(function (key) {
    var entry = queued[key];
    var fieldset = byCode[entry.question];
    if (!fieldset) { return; }
    if (entry.kind === "answer") {
      writeAnswer(fieldset, entry.state, entry.value);
      if (entry.held) { showConflict(entry.question); }
    } else {
      field(fieldset, "note").value = entry.note;
      field(fieldset, "document_number").value = entry.document_number;
      field(fieldset, "document_date").value = entry.document_date;
    }
  });
  questions.forEach(markSpecialState);
  applyVisibility();
  showPending();
  flush();
})();
