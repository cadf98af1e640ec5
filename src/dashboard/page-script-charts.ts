/**
 * The SVG charts of the dashboard's browser script: throughput bars and the queue depth line, drawn
 * from `GET /api/series`. Plain ES2020 in a string (see page-script.ts).
 */
export const pageScriptCharts = String.raw`
var SVG = 'http://www.w3.org/2000/svg';
function svg(tag, attrs) {
  var node = document.createElementNS(SVG, tag);
  for (var key in attrs) if (attrs[key] !== null && attrs[key] !== undefined) {
    if (key === 'text') node.textContent = attrs[key]; else node.setAttribute(key, String(attrs[key]));
  }
  for (var i = 2; i < arguments.length; i++) if (arguments[i]) node.appendChild(arguments[i]);
  return node;
}
/** The top of the y axis: four gridline steps of 1, 2 or 5 × 10^k, so every label is a whole number. */
function niceMax(value) {
  if (!(value > 0)) return 4;
  var raw = value / 4, power = Math.pow(10, Math.floor(Math.log10(raw)));
  var step = [1, 2, 5, 10].map(function (m) { return m * power; }).filter(function (m) { return m >= raw; })[0];
  return Math.max(1, Math.ceil(step)) * 4;
}
function hhmm(ms) { var d = new Date(ms); return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0'); }
function shortNumber(n) { return n >= 10000 ? Math.round(n / 1000) + 'k' : n >= 1000 ? (n / 1000).toFixed(1) + 'k' : String(n); }

/** The frame of a chart: gridlines, y labels and time labels; answers the scales. */
function frame(box, data, maxValue) {
  var width = Math.max(320, box.clientWidth || 800), height = 190, left = 44, right = 10, top = 10, bottom = 24;
  var root = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, width: width, height: height, role: 'img', class: 'plot' });
  var innerW = width - left - right, innerH = height - top - bottom;
  var max = niceMax(maxValue);
  for (var g = 0; g <= 4; g++) {
    var y = top + innerH - (innerH * g) / 4;
    root.appendChild(svg('line', { x1: left, x2: width - right, y1: y, y2: y, class: g === 0 ? 'axis' : 'grid' }));
    root.appendChild(svg('text', { x: left - 6, y: y + 4, class: 'ylabel', 'text-anchor': 'end', text: shortNumber(Math.round((max * g) / 4 * 10) / 10) }));
  }
  var n = data.points.length, slot = innerW / n;
  var every = data.range === 'hour' ? 10 : 12;
  for (var i = 0; i <= n; i += every) {
    var x = left + i * slot;
    root.appendChild(svg('line', { x1: x, x2: x, y1: top + innerH, y2: top + innerH + 4, class: 'axis' }));
    root.appendChild(svg('text', { x: x, y: height - 6, class: 'xlabel', 'text-anchor': i === 0 ? 'start' : i === n ? 'end' : 'middle', text: hhmm(data.from + i * data.bucketMs) }));
  }
  return { root: root, left: left, top: top, innerW: innerW, innerH: innerH, slot: slot, y: function (v) { return top + innerH - (innerH * v) / max; } };
}

function renderThroughput(data) {
  var box = clear(byId('throughput-chart'));
  var max = 0;
  data.points.forEach(function (p) { max = Math.max(max, p.succeeded + p.failed); });
  var f = frame(box, data, max);
  var gap = f.slot > 6 ? 1.5 : 0.5, w = Math.max(1, f.slot - gap * 2);
  data.points.forEach(function (p, i) {
    var x = f.left + i * f.slot + gap;
    var label = hhmm(p.at) + ' · ' + p.succeeded + ' succeeded, ' + p.failed + ' failed';
    var group = svg('g', { class: 'bar' }, svg('title', { text: label }));
    if (p.succeeded > 0) group.appendChild(svg('rect', { x: x, width: w, y: f.y(p.succeeded), height: f.y(0) - f.y(p.succeeded), class: 'succeeded' }));
    if (p.failed > 0) group.appendChild(svg('rect', { x: x, width: w, y: f.y(p.succeeded + p.failed), height: f.y(p.succeeded) - f.y(p.succeeded + p.failed), class: 'failed' }));
    group.appendChild(svg('rect', { x: f.left + i * f.slot, width: f.slot, y: f.top, height: f.innerH, class: 'hit' }));
    f.root.appendChild(group);
  });
  box.appendChild(f.root);
  var total = data.points.reduce(function (sum, p) { return sum + p.succeeded + p.failed; }, 0);
  box.dataset.total = String(total);
  if (total === 0) box.appendChild(el('p', { className: 'chart-empty', text: 'No job ended in this window yet.' }));
}

function renderDepth(data) {
  var box = clear(byId('depth-chart'));
  var max = 0, samples = 0;
  data.points.forEach(function (p) { if (p.queued !== null) { samples++; max = Math.max(max, p.queued, p.running); } });
  var f = frame(box, data, max);
  ['queued', 'running'].forEach(function (key) {
    var d = '', area = '', run = [];
    function flush() {
      if (run.length === 0) return;
      d += 'M' + run.map(function (pt) { return pt[0].toFixed(1) + ',' + pt[1].toFixed(1); }).join('L');
      if (key === 'queued') area += 'M' + run[0][0].toFixed(1) + ',' + f.y(0) + 'L' + run.map(function (pt) { return pt[0].toFixed(1) + ',' + pt[1].toFixed(1); }).join('L') + 'L' + run[run.length - 1][0].toFixed(1) + ',' + f.y(0) + 'Z';
      run = [];
    }
    data.points.forEach(function (p, i) {
      if (p[key] === null) { flush(); return; }
      var x = f.left + (i + 0.5) * f.slot;
      if (run.length === 0 && (i === 0 || data.points[i - 1][key] === null)) run.push([x - f.slot / 2, f.y(p[key])]);
      run.push([x, f.y(p[key])]);
      if (i === data.points.length - 1 || data.points[i + 1][key] === null) run.push([x + f.slot / 2, f.y(p[key])]);
    });
    flush();
    if (area) f.root.appendChild(svg('path', { d: area, class: 'area-' + key }));
    if (d) f.root.appendChild(svg('path', { d: d, class: 'line-' + key }));
  });
  data.points.forEach(function (p, i) {
    if (p.queued === null) return;
    f.root.appendChild(svg('rect', { x: f.left + i * f.slot, width: f.slot, y: f.top, height: f.innerH, class: 'hit' },
      svg('title', { text: hhmm(p.at) + ' · ' + p.queued + ' waiting, ' + p.running + ' running' })));
  });
  box.appendChild(f.root);
  box.dataset.samples = String(samples);
  if (samples === 0) box.appendChild(el('p', { className: 'chart-empty', text: 'No depth sample in this window: running workers record one a minute, and every read of the queue stats adds one.' }));
}
`;
