/* The survey pages' rules that do not touch the page: numbers as the user's language writes them, show_if
 * as the engine evaluates it, and the shape of a queued change. Pure functions on window.RoadmapSurvey, used
 * by survey.js and driven directly by the tests in Chromium (tests/browser/test_survey_script.py).
 *
 * Numbers follow roadmap/engine/numbers.py exactly: in the locale's form only (Vietnamese 1.234,5, English
 * 1,234.5), a grouping mark only between groups of three digits, at most one decimal mark, spaces may group
 * thousands; any other text is refused (null), never guessed.
 */
(function (root) {
  "use strict";

  var SPACES = [" ", "\u00a0", "\u202f"];
  var MAX_FOLLOWED = 20; // the server reads at most this many earlier keys of one question

  function escapeRegExp(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function numberForm(group, decimal) {
    var marks = [group].concat(SPACES.filter(function (space) { return space !== group; }));
    var grouped = marks.map(function (mark) { return "\\d{1,3}(?:" + escapeRegExp(mark) + "\\d{3})+"; }).join("|");
    return {
      group: group,
      decimal: decimal,
      pattern: new RegExp("^([-+\u2212]?)(" + grouped + "|\\d+)?(?:" + escapeRegExp(decimal) + "(\\d+))?$")
    };
  }

  // The number `text` means in the form, or null when it has no one meaning there.
  function parseNumber(text, form) {
    var match = form.pattern.exec(String(text).trim());
    if (!match || (match[2] === undefined && match[3] === undefined)) {
      return null;
    }
    var whole = (match[2] || "0").replace(/\D/g, "");
    var number = Number((match[1] === "-" || match[1] === "\u2212" ? "-" : "") + whole + "." + (match[3] || "0"));
    return isFinite(number) ? number : null;
  }

  // Digits of a number without an exponent: 1e21 → "1000000000000000000000", 5e-7 → "0.0000005".
  function plainDigits(value) {
    var text = String(Math.abs(value));
    var exponent = text.indexOf("e");
    if (exponent < 0) {
      return text;
    }
    var mantissa = text.slice(0, exponent).replace(".", "");
    var point = (text.indexOf(".") < 0 || text.indexOf(".") > exponent ? exponent : text.indexOf(".")) + Number(text.slice(exponent + 1));
    if (point <= 0) {
      return "0." + new Array(1 - point).join("0") + mantissa;
    }
    if (point >= mantissa.length) {
      return mantissa + new Array(point - mantissa.length + 1).join("0");
    }
    return mantissa.slice(0, point) + "." + mantissa.slice(point);
  }

  // `value` as the form writes it, every digit kept (parseNumber reads it back to the same number).
  function formatNumber(value, form) {
    var parts = plainDigits(value).split(".");
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, form.group);
    var sign = value < 0 ? "-" : "";
    return sign + whole + (parts[1] ? form.decimal + parts[1] : "");
  }

  // --- show_if: the engine's operators (roadmap/engine/conditions.py) over the answers the page holds ---

  function isNumber(value) {
    return typeof value === "number" && isFinite(value);
  }

  function compare(op, a, b) {
    return op === "lt" ? a < b : op === "le" ? a <= b : op === "gt" ? a > b : op === "ge" ? a >= b : false;
  }

  function holds(condition, facts) {
    if (condition.all) { return condition.all.every(function (c) { return holds(c, facts); }); }
    if (condition.any) { return condition.any.some(function (c) { return holds(c, facts); }); }
    if (condition.not) { return !holds(condition.not, facts); }
    var answer = facts[condition.q];
    var hasValue = Boolean(answer) && answer.state === "answered" && answer.value !== null && answer.value !== undefined;
    var op = condition.op;
    var expected = condition.value;
    if (op === "answered") { return hasValue; }
    if (op === "unanswered") { return !hasValue; }
    if (op === "is_na") { return Boolean(answer) && answer.state === "na"; }
    if (!hasValue) { return false; } // comparisons hold only on what was actually said
    var value = answer.value;
    if (Array.isArray(value)) {
      var single = value.length === 1 && value[0] === expected;
      if (op === "contains") { return value.indexOf(expected) >= 0; }
      if (op === "eq") { return single; }
      if (op === "ne") { return !single; }
      return false;
    }
    var order = condition.order || [];
    if (typeof value === "string" && order.length && ["lt", "le", "gt", "ge"].indexOf(op) >= 0) {
      var actual = order.indexOf(value);
      var wanted = order.indexOf(expected);
      return actual >= 0 && wanted >= 0 && compare(op, actual, wanted);
    }
    if (op === "in") { return Array.isArray(expected) && expected.some(function (e) { return e === value; }); }
    if (op === "not_in") { return Array.isArray(expected) && !expected.some(function (e) { return e === value; }); }
    if (op === "eq") { return value === expected; }
    if (op === "ne") { return value !== expected; }
    return isNumber(value) && isNumber(expected) && compare(op, value, expected);
  }

  // --- queued changes ---------------------------------------------------------------------------------

  // A change's idempotency key: 128 random bits, in hexadecimal.
  function newKey() {
    var bytes = new Uint8Array(16);
    root.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b < 16 ? "0" : "") + b.toString(16); }).join("");
  }

  // The queue entry of a new change to an answer, given the entry it replaces (null: none) and the version
  // the page shows. It builds on what the page has seen; the earlier changes the server may have received
  // without the page hearing of it are named (`follows`), so that the server recognises them as ours, and
  // only them: anything else newer than what the page saw is a conflict.
  function answerChange(previous, code, answer, shownVersion, key) {
    var follows = previous ? (previous.follows || []).slice() : [];
    if (previous && previous.uncertain && follows.indexOf(previous.key) < 0) {
      follows.push(previous.key);
    }
    return {
      kind: "answer",
      question: code,
      state: answer.state,
      value: answer.value,
      base_version: previous ? previous.base_version : shownVersion,
      key: key || newKey(),
      follows: follows.slice(-MAX_FOLLOWED),
      uncertain: false,
      held: previous ? previous.held || null : null
    };
  }

  // The request body of a queued answer.
  function answerBody(entry, section) {
    return {
      question: entry.question,
      state: entry.state,
      value: entry.value,
      base_version: entry.base_version,
      key: entry.key,
      follows: entry.follows || [],
      section: section
    };
  }

  // What a 409 "conflict" does to a queued answer: it is held beside the question with both values until
  // the person chooses, whoever gave the newer answer (the same account included: a page of ours that we
  // never heard from is as unseen as a colleague's).
  function heldOnConflict(entry, reply) {
    var held = Object.assign({}, entry);
    held.held = { theirs: reply.theirs, mine: reply.mine, message: reply.message };
    return held;
  }

  root.RoadmapSurvey = {
    numberForm: numberForm,
    parseNumber: parseNumber,
    formatNumber: formatNumber,
    holds: holds,
    newKey: newKey,
    answerChange: answerChange,
    answerBody: answerBody,
    heldOnConflict: heldOnConflict
  };
})(window);
