// ortlos – Kanban board: drag and drop, keyboard moving and live updates.
// Progressive enhancement only: without this script every card keeps its
// "Verschieben" form and the board its "+ Aufgabe" forms.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var live = document.getElementById("board-live");
  var canEdit = board.getAttribute("data-can-edit") === "true";
  var msg = function (name) { return board.getAttribute("data-msg-" + name) || ""; };

  // fmt replaces each %s of s by the next argument.
  function fmt(s) {
    var args = Array.prototype.slice.call(arguments, 1), i = 0;
    return s.replace(/%s/g, function () { return i < args.length ? String(args[i++]) : ""; });
  }
  function announce(text) {
    if (!live || !text) { return; }
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }
  function cardEl(id) { return document.getElementById("card-" + id); }
  function listOf(statusId) { return board.querySelector('ol.board-cards[data-status-id="' + statusId + '"]'); }
  function columnName(list) {
    var h = list && list.closest(".board-column").querySelector("h2");
    return h ? h.firstChild.textContent.trim() : "";
  }
  function titleOf(card) {
    var a = card.querySelector(".card-title");
    return a ? a.textContent.trim() : "";
  }
  function cards(list) { return Array.prototype.filter.call(list.children, function (c) { return c.classList.contains("board-card"); }); }
  function setVersion(card, v) {
    card.setAttribute("data-version", String(v));
    var input = card.querySelector('input[name="version"]');
    if (input) { input.value = String(v); }
  }

  // updateCounts refreshes the card counts, WIP texts and warnings.
  function updateCounts() {
    Array.prototype.forEach.call(board.querySelectorAll(".board-column"), function (col) {
      var list = col.querySelector("ol.board-cards");
      var n = cards(list).length, limit = parseInt(col.getAttribute("data-limit") || "0", 10);
      var span = col.querySelector(".column-count");
      if (span) { span.textContent = limit > 0 ? fmt(msg("wip"), n, limit) : fmt(msg("count"), n); }
      var over = limit > 0 && n > limit;
      col.classList.toggle("over-limit", over);
      var warn = col.querySelector(".wip-exceeded");
      if (warn) { warn.hidden = !over; }
    });
  }

  // place puts card into column statusId at the place its rank gives
  // (ranks compare byte-wise, like JavaScript strings of ASCII letters).
  function place(card, statusId, rank) {
    var list = listOf(statusId);
    if (!list) { return false; }
    card.setAttribute("data-status-id", String(statusId));
    card.setAttribute("data-rank", rank);
    var before = null;
    cards(list).some(function (c) {
      if (c !== card && c.getAttribute("data-rank") > rank) { before = c; return true; }
      return false;
    });
    if (card.parentNode !== list || card.nextElementSibling !== before) {
      var focused = document.activeElement === card;
      list.insertBefore(card, before);
      if (focused) { card.focus(); }
    }
    return true;
  }

  // refresh fetches the board page and replaces the columns, keeping the
  // focus on the card that had it.
  var refreshing = null;
  function refresh(note) {
    if (refreshing) { return refreshing; }
    var focusedId = document.activeElement && document.activeElement.id;
    refreshing = fetch(board.getAttribute("data-board-url"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (res) { return res.text().then(function (t) { return { ok: res.ok, text: t }; }); })
      .then(function (r) {
        var doc = new DOMParser().parseFromString(r.text, "text/html");
        var fresh = doc.getElementById("board");
        if (!r.ok || !fresh) { announce(msg("error")); return; }
        board.replaceChildren.apply(board, Array.prototype.slice.call(fresh.childNodes));
        if (focusedId && document.getElementById(focusedId)) { document.getElementById(focusedId).focus(); }
        announce(note || msg("reloaded"));
      })
      .catch(function () { announce(msg("error")); })
      .then(function () { refreshing = null; });
    return refreshing;
  }

  // fetchCard replaces (or inserts) one card with its current HTML.
  function fetchCard(id) {
    return fetch(board.getAttribute("data-board-url") + "/cards/" + id, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (res) {
        if (res.status === 404) { var gone = cardEl(id); if (gone) { gone.remove(); } return null; }
        if (!res.ok) { throw new Error("card " + res.status); }
        return res.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        var tpl = document.createElement("template");
        tpl.innerHTML = html.trim();
        var fresh = tpl.content.firstElementChild;
        if (!fresh) { return; }
        var old = cardEl(id), focused = old && document.activeElement === old;
        if (old && old.classList.contains("picked")) { return; } // being moved by this user
        if (old) { old.replaceWith(fresh); }
        place(fresh, fresh.getAttribute("data-status-id"), fresh.getAttribute("data-rank"));
        if (focused) { fresh.focus(); }
      })
      .catch(function () { refresh(); })
      .then(updateCounts);
  }

  // move sends the card's new place (after its previous sibling in its
  // list) to the API. On 409 the board is reloaded and the user told.
  function move(card) {
    var list = card.parentNode, prev = card.previousElementSibling;
    var body = {
      status_id: parseInt(list.getAttribute("data-status-id"), 10),
      after_id: prev ? parseInt(prev.getAttribute("data-task-id"), 10) : 0,
      version: parseInt(card.getAttribute("data-version"), 10)
    };
    updateCounts();
    return fetch("/api/v1/tasks/" + card.getAttribute("data-task-id") + "/move", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (res) {
      if (res.ok) {
        return res.json().then(function (t) {
          setVersion(card, t.version);
          card.setAttribute("data-rank", t.rank);
          card.setAttribute("data-status-id", String(t.status_id));
          announce(fmt(msg("dropped"), titleOf(card), columnName(list)));
        });
      }
      return refresh(res.status === 409 ? msg("stale") : msg("error"));
    }).catch(function () { return refresh(msg("error")); });
  }

  // --- live updates -------------------------------------------------------
  if (window.EventSource && board.getAttribute("data-events-url")) {
    var es = new EventSource(board.getAttribute("data-events-url"));
    var on = function (type, fn) {
      es.addEventListener(type, function (ev) {
        var data = {};
        try { data = JSON.parse(ev.data); } catch (e) { return; }
        fn(data);
      });
    };
    on("task.moved", function (e) {
      var card = cardEl(e.task_id);
      if (!card) { fetchCard(e.task_id); return; }
      if (parseInt(card.getAttribute("data-version"), 10) >= e.version || card.classList.contains("picked")) { return; }
      setVersion(card, e.version);
      if (!place(card, e.status_id, e.rank)) { refresh(); return; }
      updateCounts();
      announce(fmt(msg("moved"), titleOf(card), columnName(card.parentNode)));
    });
    on("task.created", function (e) { fetchCard(e.task_id); });
    on("task.updated", function (e) {
      var card = cardEl(e.task_id);
      if (card && parseInt(card.getAttribute("data-version"), 10) >= e.version) { return; }
      fetchCard(e.task_id);
    });
    on("task.deleted", function (e) {
      var card = cardEl(e.task_id);
      if (card) { card.remove(); updateCounts(); }
    });
    on("reload", function () { refresh(); });
    window.addEventListener("pagehide", function () { es.close(); });
  }

  if (!canEdit) { return; }
  var hint = document.querySelector(".board-js-hint");
  if (hint) { hint.hidden = false; }

  // --- drag and drop ------------------------------------------------------
  var dragging = null, origin = null;
  board.addEventListener("dragstart", function (ev) {
    var card = ev.target.closest && ev.target.closest(".board-card");
    if (!card) { return; }
    dragging = card;
    origin = { list: card.parentNode, next: card.nextElementSibling };
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", card.getAttribute("data-task-id"));
    card.classList.add("dragging");
  });
  board.addEventListener("dragover", function (ev) {
    if (!dragging) { return; }
    var list = ev.target.closest && ev.target.closest(".board-column");
    list = list && list.querySelector("ol.board-cards");
    if (!list) { return; }
    ev.preventDefault();
    ev.dataTransfer.dropEffect = "move";
    var before = null;
    cards(list).some(function (c) {
      if (c === dragging) { return false; }
      var box = c.getBoundingClientRect();
      if (ev.clientY < box.top + box.height / 2) { before = c; return true; }
      return false;
    });
    if (dragging.parentNode !== list || dragging.nextElementSibling !== before) { list.insertBefore(dragging, before); }
  });
  board.addEventListener("drop", function (ev) {
    if (!dragging) { return; }
    ev.preventDefault();
    var card = dragging;
    dragging = null;
    card.classList.remove("dragging");
    if (card.parentNode === origin.list && card.nextElementSibling === origin.next) { return; }
    move(card);
  });
  board.addEventListener("dragend", function () {
    if (!dragging) { return; }
    // Dropped outside a column: back to where it was.
    dragging.classList.remove("dragging");
    origin.list.insertBefore(dragging, origin.next);
    dragging = null;
  });

  // --- keyboard -----------------------------------------------------------
  var picked = null, home = null;
  function lists() { return Array.prototype.slice.call(board.querySelectorAll("ol.board-cards")); }
  function announcePosition(card) {
    var list = card.parentNode, all = cards(list);
    announce(fmt(msg("position"), columnName(list), all.indexOf(card) + 1, all.length));
  }
  function drop(cancel) {
    var card = picked;
    picked = null;
    card.classList.remove("picked");
    card.removeAttribute("aria-describedby");
    if (cancel || (card.parentNode === home.list && card.nextElementSibling === home.next)) {
      home.list.insertBefore(card, home.next);
      card.focus();
      announce(msg("cancelled"));
      return;
    }
    card.focus();
    move(card);
  }
  board.addEventListener("keydown", function (ev) {
    var card = ev.target;
    if (!card.classList || !card.classList.contains("board-card")) { return; }
    var key = ev.key;
    if (!picked) {
      if (key === " " || key === "Spacebar") {
        ev.preventDefault();
        picked = card;
        home = { list: card.parentNode, next: card.nextElementSibling };
        card.classList.add("picked");
        announce(fmt(msg("picked"), titleOf(card)));
      }
      return;
    }
    if (card !== picked) { return; }
    var list = card.parentNode, all = cards(list), i = all.indexOf(card), ls = lists(), li = ls.indexOf(list);
    switch (key) {
    case " ": case "Spacebar": case "Enter":
      ev.preventDefault();
      drop(false);
      return;
    case "Escape":
      ev.preventDefault();
      drop(true);
      return;
    case "ArrowUp":
      if (i > 0) { list.insertBefore(card, all[i - 1]); }
      break;
    case "ArrowDown":
      if (i < all.length - 1) { list.insertBefore(card, all[i + 1].nextElementSibling); }
      break;
    case "ArrowLeft": case "ArrowRight":
      var target = ls[li + (key === "ArrowLeft" ? -1 : 1)];
      if (target) {
        var others = cards(target);
        target.insertBefore(card, others[Math.min(i, others.length)] || null);
      }
      break;
    default:
      return;
    }
    ev.preventDefault();
    card.focus();
    announcePosition(card);
  });
})();
