/**
 * The shared part of the dashboard's browser script: page state, DOM helpers (`el`, `textContent`
 * only), formatting, notices, the JSON API client and the confirmation dialog. Plain ES2020 in a string (see page-script.ts).
 */
export const pageScriptCommon = String.raw`
'use strict';
var STATES = ['queued', 'delayed', 'running', 'retrying', 'succeeded', 'dead', 'cancelled'];
var base = document.querySelector('meta[name="errand-base"]').content;
var csrf = document.querySelector('meta[name="errand-csrf"]').content;
var features = { failures: document.body.dataset.taskFailures === '1', mailbox: document.body.dataset.mailbox === '1' };
var view = { state: '', task: '', offset: 0, limit: 25, selected: null, total: 0 };
var byId = function (id) { return document.getElementById(id); };

function el(tag, attrs) {
  var node = document.createElement(tag);
  if (attrs) for (var key in attrs) {
    if (attrs[key] === null || attrs[key] === undefined) continue;
    if (key === 'text') node.textContent = attrs[key];
    else if (key === 'className') node.className = attrs[key];
    else if (key.slice(0, 2) === 'on') node.addEventListener(key.slice(2), attrs[key]);
    else node.setAttribute(key, attrs[key]);
  }
  for (var i = 2; i < arguments.length; i++) {
    var child = arguments[i];
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
  return node;
}
function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
function json(value) { return value === undefined ? '—' : JSON.stringify(value, null, 2); }
function ago(ms) {
  if (ms === undefined || ms === null) return '—';
  var s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return s + 's ago';
  if (s < 3600) return Math.floor(s / 60) + 'm ago';
  if (s < 86400) return Math.floor(s / 3600) + 'h ago';
  return Math.floor(s / 86400) + 'd ago';
}
function duration(ms) {
  if (ms === null || ms === undefined) return '—';
  var s = Math.round(ms / 1000);
  return s < 60 ? s + 's' : s < 3600 ? Math.floor(s / 60) + 'm ' + (s % 60) + 's' : Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
}
function time(ms) { return new Date(ms).toLocaleString(); }
function badge(state) { return el('span', { className: 'badge s-' + state, text: state }); }

var noticeTimer = null;
function notify(message, isError) {
  var box = byId('notice');
  box.textContent = message;
  box.className = 'notice' + (isError ? ' error' : '');
  box.hidden = false;
  clearTimeout(noticeTimer);
  noticeTimer = setTimeout(function () { box.hidden = true; }, 4000);
}

async function api(method, path) {
  var headers = { accept: 'application/json' };
  if (method !== 'GET') headers['x-errand-csrf'] = csrf;
  var response = await fetch(base + '/api' + path, { method: method, headers: headers, credentials: 'same-origin' });
  if (response.status === 204) return null;
  var body = await response.json().catch(function () { return null; });
  if (!response.ok) {
    var problem = body || {};
    throw new Error((problem.title || response.statusText) + (problem.detail ? ': ' + problem.detail : ''));
  }
  return body;
}

function confirmDialog(title, text, okLabel, danger) {
  var dialog = byId('confirm');
  byId('confirm-title').textContent = title;
  byId('confirm-text').textContent = text;
  byId('confirm-ok').textContent = okLabel;
  byId('confirm-ok').className = 'btn ' + (danger ? 'danger-solid' : 'primary');
  return new Promise(function (resolve) {
    dialog.addEventListener('close', function () { resolve(dialog.returnValue === 'ok'); }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  });
}
`;
