// visheat explorer: draws visheat's 8-bit pictures from the raw values in this page.
// Arithmetic follows visheat's 8-bit path (Math.fround for float32); the colour tables
// and resize weights come from visheat (see visheat/explorer.py).
// Magnitudes: a sample travels as float16 values v and an exponent k (the value is
// v * 2**-k). The reductions, the resize and the quantiles work on v in float32, where
// nothing under- or overflows, and are exact images of the same steps on the values
// (scaling by a power of two commutes with them); only ranges and positions on the
// colour table are computed on the values themselves, as plain numbers (float64).
(() => {
  "use strict";  // ASCII only (\u escapes): the CSP hash holds whatever encoding a host page uses
  const meta = JSON.parse(document.getElementById("visheat-meta").textContent);
  const N = meta.n, H = meta.height, W = meta.width, M = meta.methods.length;
  const f32 = Math.fround;
  const names = meta.methods.map((m) => m.name);
  const cmaps = Object.fromEntries(meta.colormaps.map((c) => [c.name, c]));

  // ---- decoding -------------------------------------------------------------------
  function b64(text) {
    if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
    const s = atob(text), out = new Uint8Array(s.length);
    for (let k = 0; k < s.length; k++) out[k] = s.charCodeAt(k);
    return out;
  }
  const F16 = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1, e = (h >> 10) & 31, f = h & 1023;
    F16[h] = e === 0 ? sign * f * 2 ** -24
      : e === 31 ? (f ? NaN : sign * Infinity) : sign * (1024 + f) * 2 ** (e - 25);
  }
  for (const c of meta.colormaps) c.table = b64(c.lut);

  // The data blocks follow this script, so pictures are drawn while the rest loads.
  class NotYet extends Error {}
  function block(id) {  // a data block's text, once the parser has read all of it
    const el = document.getElementById(id);
    if (!el || (el.nextSibling === null && document.readyState === "loading")) {
      throw new NotYet(`${id} is still loading; wait for the page's load event`);
    }
    return el.textContent;
  }
  function values(j, i) {  // sample i of method j, scaled by 2**k: v, as float32
    const bytes = b64(block(`vh-m${j}-${i}`)), count = bytes.length >> 1;
    if (typeof Float16Array === "function") return new Float32Array(new Float16Array(bytes.buffer, 0, count));
    const half = new Uint16Array(bytes.buffer, 0, count), out = new Float32Array(count);
    for (let p = 0; p < count; p++) out[p] = F16[half[p]];
    return out;
  }
  const F32_MAX = 3.4028234663852886e38;
  function pow2(e) { return [2 ** Math.trunc(e / 2), 2 ** (e - Math.trunc(e / 2))]; }  // 2**e in two exact factors
  function unscale(v, k) { const [a, b] = pow2(-k); return v * a * b; }  // v * 2**-k, for any k
  function saturate32(x) { const y = f32(x); return Number.isFinite(y) ? y : Math.sign(x) * F32_MAX; }
  // a float32 method's values are float32: its float16 largest value may round up to 2**128
  const precision = (j) => (meta.methods[j].dtype === "float32" ? saturate32 : (x) => x);
  const imageCache = new Map();
  function image(i) {
    if (!imageCache.has(i)) {
      const bytes = b64(block(`vh-i${i}`));
      if (imageCache.size > 64) imageCache.delete(imageCache.keys().next().value);
      imageCache.set(i, bytes);
    }
    return imageCache.get(i);
  }

  // ---- visheat's arithmetic ------------------------------------------------------------
  function reduce(x, C, P, how) {  // reductions.py, step by step in float32
    if (C === 1) return x.slice(0, P);
    const out = new Float32Array(P);
    for (let p = 0; p < P; p++) {
      let o;
      if (how === "norm") {
        o = f32(Math.sqrt(f32(x[p] * x[p])));
        for (let c = 1; c < C; c++) {
          const v = x[c * P + p];
          o = f32(Math.sqrt(f32(f32(o * o) + f32(v * v))));
        }
      } else if (how === "maxabs") {
        o = Math.abs(x[p]);
        for (let c = 1; c < C; c++) o = Math.max(o, Math.abs(x[c * P + p]));
      } else if (how === "sumabs") {
        o = Math.abs(x[p]);
        for (let c = 1; c < C; c++) o = f32(o + Math.abs(x[c * P + p]));
      } else {  // sum, abssum
        o = x[p];
        for (let c = 1; c < C; c++) o = f32(o + x[c * P + p]);
        if (how === "abssum") o = Math.abs(o);
      }
      out[p] = o;
    }
    return out;
  }
  function resize(map, mh, mw, rs) {  // Wy @ map @ Wx.T with visheat's weights
    const tmp = new Float32Array(H * mw), out = new Float32Array(H * W);
    for (let y = 0; y < H; y++) {
      const [s, ws] = rs.wy[y];
      for (let x = 0; x < mw; x++) {
        let acc = 0;
        for (let t = 0; t < ws.length; t++) acc = f32(acc + f32(ws[t] * map[(s + t) * mw + x]));
        tmp[y * mw + x] = acc;
      }
    }
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const [s, ws] = rs.wx[x];
        let acc = 0;
        for (let t = 0; t < ws.length; t++) acc = f32(acc + f32(ws[t] * tmp[y * mw + s + t]));
        out[y * W + x] = acc;
      }
    }
    return out;
  }
  function exact(x) {  // x = mantissa / 2**e with an integer mantissa
    let e = 0;
    while (!Number.isInteger(x) && e < 1100) { x *= 2; e++; }
    return [BigInt(x), e];
  }
  function rank(n, p) {  // clipping.py's _rank: fma(n, p, 1 - p), rounded once
    const m = 1 - p, [mp, ep] = exact(p), [mm, em] = exact(m), e = Math.max(ep, em);
    const aleph = e <= 900
      ? Number(BigInt(n) * mp * (1n << BigInt(e - ep)) + mm * (1n << BigInt(e - em))) / 2 ** e
      : n * p + m;
    const j = Math.min(Math.max(Math.floor(aleph), 1), Math.max(n - 1, 1));
    return [j, Math.min(Math.max(aleph - j, 0), 1)];
  }
  const TOL = f32(Math.sqrt(f32(2 ** -23)));
  function select(a, k, left, right) {  // a[k] = the k-th smallest of a[left..right], in place
    while (right > left) {
      const mid = (left + right) >> 1;
      const pivot = Math.max(Math.min(a[left], a[mid]), Math.min(Math.max(a[left], a[mid]), a[right]));
      let i = left, j = right;
      while (i <= j) {
        while (a[i] < pivot) i++;
        while (a[j] > pivot) j--;
        if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
      }
      if (k <= j) right = j; else if (k >= i) left = i; else return;
    }
  }
  function quantile(work, p, from = 0) {  // sample_quantiles: Julia's ranks and interpolation
    // work[..from - 1] must hold no value above the wanted ones (a lower quantile's selection)
    const n = work.length, [j, g] = rank(n, p), k = Math.min(j, n - 1);
    select(work, j - 1, Math.min(from, j - 1), n - 1);
    let b = work[k];  // the next order statistic: the smallest value after j - 1
    for (let q = j + 1; q < n; q++) if (work[q] < b) b = work[q];
    const a = work[j - 1];
    const close = a === b || Math.abs(f32(a - b)) <= f32(TOL * Math.max(Math.abs(a), Math.abs(b)));
    return f32(close ? a + g * f32(b - a) : (1 - g) * a + g * b);
  }
  function nextUp(x, single) {  // the next float32 (single) or float64 above x
    const v = new DataView(new ArrayBuffer(8));
    if (x === 0) return single ? 2 ** -149 : Number.MIN_VALUE;
    if (single) { v.setFloat32(0, x); v.setInt32(0, v.getInt32(0) + (x > 0 ? 1 : -1)); return v.getFloat32(0); }
    v.setFloat64(0, x); v.setBigInt64(0, v.getBigInt64(0) + (x > 0 ? 1n : -1n)); return v.getFloat64(0);
  }
  function fixDegenerate(lo, hi, centered, single) {  // colormaps._fix_degenerate, in the map's precision
    if (centered) { const top = hi > 0 ? hi : 1; return [-top, top]; }
    let up = hi > lo ? hi : single ? f32(lo + 1) : lo + 1;
    if (!(up > lo)) up = nextUp(lo, single);
    return [lo, Number.isFinite(up) && (!single || up <= F32_MAX) ? up : lo];
  }
  // The table position of a value c (clamped to [lo, hi]): colormaps.colorize_u8. Where
  // float32 can place the range, (c - lo) * ((L - 1) / (hi - lo)) + 0.5 in the map's
  // precision; else colormaps.positions: the same in float64 if it stays finite, or on
  // values divided by the range's largest magnitude (_rescaled_positions).
  function placement(lo, hi, L, single) {
    const w32 = f32(f32(hi) - f32(lo)), s32 = f32(f32(L - 1) / w32);
    if (Number.isFinite(w32) && Number.isFinite(s32)) {
      if (single) { const a = f32(lo); return (c) => Math.floor(f32(f32(f32(c - a) * s32) + 0.5)); }
      const s = (L - 1) / (hi - lo);
      return (c) => Math.floor((c - lo) * s + 0.5);
    }
    const s = (L - 1) / (hi - lo);
    if (!single && Number.isFinite(hi - lo) && Number.isFinite(s)) return (c) => Math.floor((c - lo) * s + 1 - 0.5);
    const top = Math.max(Math.abs(lo), Math.abs(hi)) || 1, a = lo / top, b = hi / top, w = b - a;
    return (c) => {
      let t = 0;
      if (w > 0) { const u = c / top; t = Math.min(Math.max(((u < a ? a : u > b ? b : u) - a) / w, 0), 1); }
      const f = t * (L - 1) + 1;
      return Math.floor(single ? f32(f32(f) - 0.5) : f - 0.5);
    };
  }

  // ---- state and caches --------------------------------------------------------------
  const state = { reduction: "sum", clip: null, colormap: "auto", scope: "sample", alpha: 0.5,
    centered: null };  // colormap "auto" and centered null: each method's own (colour below)
  let version = 0;
  const maps = new Map(), stats = new Map(), batch = new Map();
  const clipKey = () => (state.clip ? state.clip.join(",") : "none");
  function colour(j) {  // method j's colour map and centring
    // "auto": maps that can be negative get the signed default (centred on zero if it is a
    // diverging map), maps that never are (a lone channel of non-negative values, or any
    // reduction but the sum, which all take magnitudes) the unsigned one over their range
    const md = meta.methods[j], signed = md.signed && (md.channels === 1 || state.reduction === "sum");
    const colormap = state.colormap === "auto" ? meta.auto[signed ? "signed" : "unsigned"] : state.colormap;
    return { colormap, centered: state.centered === null ? cmaps[colormap].kind === "diverging" : state.centered };
  }
  function entry(j, i) {
    const key = `${j}|${i}|${state.reduction}`;
    let found = maps.get(key);
    if (found) { maps.delete(key); maps.set(key, found); return found; }
    const md = meta.methods[j];
    let map = reduce(values(j, i), md.channels, md.mh * md.mw, state.reduction);
    if (md.resize) map = resize(map, md.mh, md.mw, md.resize);
    found = { map, k: md.exps[i], sorted: null };  // the map is the reduced values times 2**k
    maps.set(key, found);
    while (maps.size > 48) maps.delete(maps.keys().next().value);
    return found;
  }
  function sorted(e) { if (!e.sorted) e.sorted = new Float32Array(e.map).sort(); return e.sorted; }
  function clipped(j, i) {  // the clipped map's extrema: the quantiles, or min and max
    const key = `${j}|${i}|${state.reduction}|${clipKey()}`;
    if (!stats.has(key)) {
      const e = entry(j, i), real = precision(j);
      let lo = Infinity, hi = -Infinity;
      if (state.clip) {
        const work = e.sorted || new Float32Array(e.map);
        lo = quantile(work, state.clip[0]);
        hi = quantile(work, state.clip[1], rank(work.length, state.clip[0])[0] - 1);
      } else {
        const m = e.map;
        for (let p = 0; p < m.length; p++) { const v = m[p]; if (v < lo) lo = v; if (v > hi) hi = v; }
      }
      stats.set(key, [real(unscale(lo, e.k)), real(unscale(hi, e.k))]);  // the values' own units
    }
    return stats.get(key);
  }
  function sampleRange(j, i) {
    const [lo, hi] = clipped(j, i);
    if (!colour(j).centered) return [lo, hi];
    const m = Math.max(Math.abs(lo), Math.abs(hi));
    return [-m, m];
  }
  const batchKey = (j) => `${j}|${state.reduction}|${clipKey()}|${colour(j).centered}`;
  const partial = new Map();
  function batchStep(j, budget) {  // extend method j's batch range for up to budget ms; done?
    const key = batchKey(j);
    if (batch.has(key)) return true;
    const w = partial.get(key) || { k: 0, lo: Infinity, hi: -Infinity }, t0 = performance.now();
    while (w.k < N && performance.now() - t0 < budget) {
      const [l, h] = sampleRange(j, w.k);
      w.k++;
      w.lo = Math.min(w.lo, l); w.hi = Math.max(w.hi, h);
    }
    partial.set(key, w);
    if (w.k < N) return false;
    batch.set(key, [w.lo, w.hi]);
    partial.delete(key);
    return true;
  }
  const batchProgress = () => {  // [method, share done] of the first unfinished batch range
    for (let j = 0; j < M; j++) if (!batch.has(batchKey(j))) return [j, (partial.get(batchKey(j)) || { k: 0 }).k / N];
    return null;
  };
  function range(j, i) {  // the colormap's value_range: sample or batch, then degenerate fix
    let lo, hi;
    if (state.scope === "batch") {
      batchStep(j, Infinity);
      [lo, hi] = batch.get(batchKey(j));
    } else [lo, hi] = sampleRange(j, i);
    return fixDegenerate(lo, hi, colour(j).centered, meta.methods[j].dtype === "float32");
  }
  function render(j, i) {  // RGBA of picture i of method j in the current view
    const e = entry(j, i), map = e.map, [qlo, qhi] = clipped(j, i), [lo, hi] = range(j, i);
    const table = cmaps[colour(j).colormap].table, L = table.length / 3 - 1;
    const single = meta.methods[j].dtype === "float32", place = placement(lo, hi, L, single);
    const [ua, ub] = pow2(-e.k);  // v * ua * ub: the value, exactly (float32: rounded as stored)
    const out = new ImageData(W, H), px = out.data;
    const img = meta.images ? image(i) : null, w = Math.round(state.alpha * 65536), wb = 65536 - w;
    for (let p = 0; p < H * W; p++) {
      let c = map[p] * ua * ub;
      if (single) c = f32(c);  // an overflow to Infinity is clamped to the range below
      if (state.clip) c = c < qlo ? qlo : c > qhi ? qhi : c;
      c = c < lo ? lo : c > hi ? hi : c;
      const t = 3 * place(c);
      for (let ch = 0; ch < 3; ch++) {
        const heat = table[t + ch];
        px[4 * p + ch] = img ? (img[3 * p + ch] * wb + heat * w + 32768) >>> 16 : heat;
      }
      px[4 * p + 3] = 255;
    }
    return out;
  }
  function py(x) { return Number.isInteger(x) ? x.toFixed(1) : String(x); }
  function num(x, digits) {  // Python's format(x, f".{digits}g") for people: 0.9979, 1.235e+04
    if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    const [mantissa, power] = x.toExponential(digits - 1).split("e"), e = Number(power);
    const trim = (t) => (t.includes(".") ? t.replace(/\.?0+$/, "") : t);
    if (e < -4 || e >= digits) return `${trim(mantissa)}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
    return trim(x.toFixed(digits - 1 - e));
  }
  function pipeline(j) {  // str(Pipeline) of the current view of method j
    const steps = [`${meta.reductions[state.reduction]}()`];
    if (meta.methods[j].resize) steps.push(`ResizeToImage('${meta.methods[j].resize.method}')`);
    if (state.clip) steps.push(`PercentileClip(${py(state.clip[0])}, ${py(state.clip[1])})`);
    const { colormap, centered } = colour(j), cls = centered ? "CenteredColormap" : "ExtremaColormap";
    steps.push(`${cls}('${colormap}'${state.scope === "batch" ? ", scope='batch'" : ""})`);
    if (meta.images) steps.push(`AlphaOverlay(${py(state.alpha)})`);
    return steps.join(" | ");
  }
  function methodIndex(method) {
    const j = typeof method === "number" ? method : names.indexOf(method);
    if (!Number.isInteger(j) || j < 0 || j >= M) {
      throw new RangeError(`method: expected one of ${JSON.stringify(names)} or an index; got ${JSON.stringify(method)}`);
    }
    return j;
  }
  function sampleIndex(i) {
    if (!Number.isInteger(i) || i < 0 || i >= N) throw new RangeError(`i: expected a sample index in [0, ${N}); got ${JSON.stringify(i)}`);
    return i;
  }
  function percentileRank(j, i, v) {  // share of the map's pixels <= v, in percent
    const e = entry(j, i), s = sorted(e), real = precision(j);
    let a = 0, b = s.length;
    while (a < b) { const mid = (a + b) >> 1; if (real(unscale(s[mid], e.k)) <= v) a = mid + 1; else b = mid; }
    return (100 * a) / s.length;
  }
  function valueAt(i, method, x, y) {
    const j = methodIndex(method);
    sampleIndex(i);
    if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x >= W || y >= H) {
      throw new RangeError(`x, y: expected integer pixel coordinates inside ${W} x ${H}; got ${x}, ${y}`);
    }
    const e = entry(j, i);
    return precision(j)(unscale(e.map[y * W + x], e.k));
  }

  // ---- set(): the one way the view changes ------------------------------------------
  const KEYS = ["reduction", "clip", "colormap", "scope", "alpha", "centered"];
  function set(view) {
    if (typeof view !== "object" || view === null) throw new TypeError("set: expected an object such as {colormap: 'jet'}");
    const next = { ...state };
    for (const [k, v] of Object.entries(view)) {
      if (!KEYS.includes(k)) throw new TypeError(`set: expected keys among ${KEYS.join(", ")}; got ${JSON.stringify(k)}`);
      if (k === "reduction" && !(v in meta.reductions)) throw new RangeError(`reduction: expected one of ${Object.keys(meta.reductions).join(", ")}; got ${JSON.stringify(v)}`);
      if (k === "colormap" && v !== "auto" && !(v in cmaps)) throw new RangeError(`colormap: expected 'auto' or one of ${Object.keys(cmaps).join(", ")}; got ${JSON.stringify(v)}`);
      if (k === "scope" && v !== "sample" && v !== "batch") throw new RangeError(`scope: expected 'sample' or 'batch'; got ${JSON.stringify(v)}`);
      if (k === "alpha" && !(typeof v === "number" && v >= 0 && v <= 1)) throw new RangeError(`alpha: expected a number in [0, 1]; got ${JSON.stringify(v)}`);
      if (k === "clip" && v !== null && !(Array.isArray(v) && v.length === 2 && v.every((q) => typeof q === "number" && q >= 0 && q <= 1) && v[0] < v[1])) {
        throw new RangeError(`clip: expected [lower, upper] with 0 <= lower < upper <= 1, or null; got ${JSON.stringify(v)}`);
      }
      if (k === "centered" && typeof v !== "boolean" && v !== null) throw new TypeError(`centered: expected true, false or null (the colour map's own); got ${JSON.stringify(v)}`);
      next[k] = k === "clip" && v ? [v[0], v[1]] : v;
    }
    if ("colormap" in view && !("centered" in view)) next.centered = next.colormap === "auto" ? null : cmaps[next.colormap].kind === "diverging";
    Object.assign(state, next);
    version++;
    ui.refresh();
    return { ...state };
  }

  // ---- the page ------------------------------------------------------------------------
  const ui = (() => {
    const el = (tag, props = {}, kids = []) => { const e = Object.assign(document.createElement(tag), props); e.append(...kids); return e; };
    const select = (id, options) => el("select", { id }, options.map(([v, t]) => el("option", { value: v, textContent: t })));
    const pct = (q) => `${+(q * 100).toFixed(3)}%`;
    const clipOptions = () => meta.clips.map((c) => [c ? c.join(",") : "none", c ? `${pct(c[0])} \u2013 ${pct(c[1])}` : "none"]);
    const controls = {
      reduction: select("reduction", Object.keys(meta.reductions).map((k) => [k, k])),
      clip: select("clip", clipOptions()),
      colormap: select("colormap", [["auto", `per method (${meta.auto.signed} if signed, else ${meta.auto.unsigned})`],
        ...meta.colormaps.map((c) => [c.name, `${c.name} (${c.kind})`])]),
      scope: select("scope", [["sample", "per sample"], ["batch", "per method across the batch"]]),
      centered: el("input", { type: "checkbox", id: "centered" }),
      alpha: el("input", { type: "range", id: "alpha", min: 0, max: 1, step: 0.05 }),
    };
    const sort = select("sort", [["index", "index"], ["label", "label"], ["score-desc", "score \u2193"], ["score-asc", "score \u2191"]]);
    const filter = el("input", { type: "search", id: "filter", placeholder: "label contains\u2026" });
    const minScore = el("input", { type: "number", id: "min-score", step: "any", placeholder: "min score" });
    const label = (text, input) => el("label", {}, [text + " ", input]);
    const bar = el("div", { id: "controls" }, [label("reduction", controls.reduction), label("clip", controls.clip),
      label("colour map", controls.colormap), label("centred", controls.centered), label("scale", controls.scope)]);
    if (meta.images) bar.append(label("alpha", controls.alpha));
    bar.append(label("sort", sort), label("filter", filter));
    if (meta.scores) bar.append(label("score \u2265", minScore));
    const pipeText = el("code", { id: "pipeline" }), readout = el("span", { id: "readout" });
    const progress = el("span", { id: "progress" });
    const status = el("div", { id: "status" }, [el("span", {}, ["pipeline: ", pipeText]), readout, progress]);
    const grid = el("div", { id: "grid" });
    grid.style.setProperty("--cols", M);
    grid.style.setProperty("--thumb", `${Math.min(224, Math.max(96, Math.round(900 / M)))}px`);
    grid.append(el("div", { className: "header" }, [el("div", { textContent: "sample" }),
      ...names.map((n) => el("div", { textContent: n, title: n }))]));
    const rows = [], canvases = [], drawn = [];
    for (let i = 0; i < N; i++) {
      const caption = el("div", { className: "caption" }, [el("div", { textContent: `#${i}` })]);
      if (meta.labels) caption.append(el("div", { className: "label", textContent: meta.labels[i] }));
      if (meta.scores) caption.append(el("div", { className: "score", textContent: `score ${num(meta.scores[i], 4)}`, title: String(meta.scores[i]) }));
      const cells = names.map((_, j) => el("div", { className: "cell" }, [el("canvas", { width: W, height: H })]));
      cells.forEach((c, j) => { c.dataset.i = i; c.dataset.j = j; });
      const row = el("div", { className: "row" }, [caption, ...cells]);
      row.dataset.i = i;
      rows.push(row); canvases.push(cells.map((c) => c.firstChild)); drawn.push(new Array(M).fill(-1));
      grid.append(row);
    }
    const zoomCanvas = el("canvas", { className: "big", width: W, height: H });
    const ramp = el("canvas", { width: 256, height: 1 }), lowText = el("span"), highText = el("span");
    const zoomTitle = el("h2"), zoomPipe = el("code");
    const zoom = el("div", { id: "zoom", className: "hidden" }, [el("div", { className: "panel" },
      [zoomTitle, zoomCanvas, el("div", { className: "bar" }, [lowText, ramp, highText]), zoomPipe])]);
    document.body.append(bar, status, grid, zoom);

    const visible = new Set(), queue = new Set();
    const timing = { firstPicture: null };
    let pumping = false;
    function draw(i) {
      for (let j = 0; j < M; j++) {
        if (drawn[i][j] === version) continue;
        canvases[i][j].getContext("2d").putImageData(render(j, i), 0, 0);
        drawn[i][j] = version;
      }
      if (timing.firstPicture === null) timing.firstPicture = performance.now();
    }
    function pump() {
      const start = performance.now();
      let loading = false;
      try {
        const todo = state.scope === "batch" && batchProgress();
        if (todo) {  // read every sample once, a slice per tick: the page stays responsive
          batchStep(todo[0], 30);
          const next = batchProgress();
          progress.textContent = next ? `one scale across the batch: ${names[next[0]]} ${Math.round(100 * next[1])} %` : "";
          setTimeout(pump, 0);
          return;
        }
        progress.textContent = "";
        for (const i of queue) {
          if (visible.has(i)) draw(i);
          queue.delete(i);
          if (performance.now() - start > 30) break;
        }
      } catch (e) {
        if (!(e instanceof NotYet)) throw e;
        loading = true;  // its data is still being parsed: try again shortly
      }
      pumping = queue.size > 0 || loading;
      if (pumping) setTimeout(pump, loading ? 50 : 0);
    }
    function enqueue(i) { queue.add(i); if (!pumping) { pumping = true; setTimeout(pump, 0); } }
    const observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        const i = +e.target.dataset.i;
        if (e.isIntersecting) { visible.add(i); enqueue(i); } else visible.delete(i);
      }
    }, { rootMargin: "300px 0px" });
    rows.forEach((r) => observer.observe(r));

    let focus = { pos: 0, j: 0 }, order = [...Array(N).keys()], zoomed = null;
    function applyOrder(reveal = true) {
      const text = filter.value.trim().toLowerCase(), low = parseFloat(minScore.value);
      order = [...Array(N).keys()].filter((i) => (!text || (meta.labels && meta.labels[i].toLowerCase().includes(text)))
        && (!meta.scores || Number.isNaN(low) || meta.scores[i] >= low));
      const key = sort.value;
      if (key === "label" && meta.labels) order.sort((a, b) => meta.labels[a].localeCompare(meta.labels[b]) || a - b);
      if (key.startsWith("score") && meta.scores) order.sort((a, b) => (key === "score-asc" ? 1 : -1) * (meta.scores[a] - meta.scores[b]) || a - b);
      const shown = new Set(order);
      rows.forEach((r, i) => r.classList.toggle("hidden", !shown.has(i)));
      grid.append(...order.map((i) => rows[i]));
      focus.pos = Math.min(focus.pos, Math.max(order.length - 1, 0));
      showFocus(reveal);
    }
    [sort, filter, minScore].forEach((c) => c.addEventListener("input", () => applyOrder()));
    // reveal: scroll the focused picture into view, after a person moved the focus; never on
    // start-up, where scrollIntoView would also scroll a notebook around this page to it
    function showFocus(reveal = true) {
      document.querySelectorAll(".cell.focus").forEach((c) => c.classList.remove("focus"));
      const i = order[focus.pos];
      if (i === undefined) return;
      const cell = canvases[i][focus.j].parentNode;
      cell.classList.add("focus");
      if (reveal) cell.scrollIntoView({ block: "nearest" });
      pipeText.textContent = pipeline(focus.j);
    }
    function openZoom(i, j) {
      zoomed = { i, j };
      zoom.classList.remove("hidden");
      drawZoom();
    }
    function drawZoom() {
      if (!zoomed) return;
      const { i, j } = zoomed;
      zoomCanvas.getContext("2d").putImageData(render(j, i), 0, 0);
      zoomTitle.textContent = `#${i}${meta.labels ? " " + meta.labels[i] : ""} \u00b7 ${names[j]}`;
      zoomPipe.textContent = pipeline(j);
      const [lo, hi] = range(j, i), table = cmaps[colour(j).colormap].table, L = table.length / 3 - 1;
      const strip = new ImageData(256, 1);
      for (let k = 0; k < 256; k++) {
        const t = 3 * Math.round((k / 255) * (L - 1));
        strip.data.set([table[t], table[t + 1], table[t + 2], 255], 4 * k);
      }
      ramp.getContext("2d").putImageData(strip, 0, 0);
      lowText.textContent = num(lo, 4);
      highText.textContent = num(hi, 4);
    }
    function closeZoom() { zoomed = null; zoom.classList.add("hidden"); }
    zoom.addEventListener("click", (e) => { if (e.target === zoom) closeZoom(); });
    function hover(e, i, j) {
      const c = e.target, r = c.getBoundingClientRect();
      const x = Math.min(W - 1, Math.floor(((e.clientX - r.left) / r.width) * W));
      const y = Math.min(H - 1, Math.floor(((e.clientY - r.top) / r.height) * H));
      if (x < 0 || y < 0) return;
      const v = valueAt(i, j, x, y);
      readout.textContent = `#${i} ${names[j]} (${x}, ${y}): value ${num(v, 5)}, percentile rank ${percentileRank(j, i, v).toFixed(1)}%`;
    }
    grid.addEventListener("mousemove", (e) => {
      if (e.target.tagName !== "CANVAS") return;
      const cell = e.target.parentNode;
      hover(e, +cell.dataset.i, +cell.dataset.j);
    });
    zoomCanvas.addEventListener("mousemove", (e) => zoomed && hover(e, zoomed.i, zoomed.j));
    grid.addEventListener("click", (e) => {
      if (e.target.tagName !== "CANVAS") return;
      const cell = e.target.parentNode, i = +cell.dataset.i, j = +cell.dataset.j;
      focus = { pos: Math.max(0, order.indexOf(i)), j };
      showFocus();
      openZoom(i, j);
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { closeZoom(); return; }
      if (["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName)) return;
      const moves = { ArrowDown: [1, 0], ArrowUp: [-1, 0], ArrowRight: [0, 1], ArrowLeft: [0, -1], j: [1, 0], k: [-1, 0] };
      if (e.key in moves && order.length) {
        const [dp, dj] = moves[e.key];
        focus.pos = Math.min(order.length - 1, Math.max(0, focus.pos + dp));
        focus.j = Math.min(M - 1, Math.max(0, focus.j + dj));
        showFocus();
        if (zoomed) openZoom(order[focus.pos], focus.j);
        e.preventDefault();
      } else if ((e.key === "Enter" || e.key === " ") && order.length) {
        openZoom(order[focus.pos], focus.j);
        e.preventDefault();
      }
    });
    for (const [k, c] of Object.entries(controls)) {
      c.addEventListener(c.tagName === "SELECT" || c.type === "checkbox" ? "change" : "input", () => {
        const v = k === "centered" ? c.checked : k === "alpha" ? parseFloat(c.value)
          : k === "clip" ? (c.value === "none" ? null : c.value.split(",").map(Number)) : c.value;
        set({ [k]: v });
      });
    }
    function refresh() {
      const key = clipKey();
      if (![...controls.clip.options].some((o) => o.value === key)) {
        controls.clip.append(el("option", { value: key, textContent: `${pct(state.clip[0])} \u2013 ${pct(state.clip[1])}` }));
      }
      controls.clip.value = key;
      for (const k of ["reduction", "colormap", "scope"]) controls[k].value = state[k];
      controls.centered.checked = state.centered === true;
      controls.centered.indeterminate = state.centered === null;  // each method's own
      controls.alpha.value = state.alpha;
      pipeText.textContent = pipeline(focus.j);
      visible.forEach(enqueue);
      drawZoom();
    }
    return { refresh, applyOrder, timing, pending: () => queue.size + (state.scope === "batch" && batchProgress() ? 1 : 0), order: () => order.slice(), focus: () => ({ i: order[focus.pos], method: names[focus.j] }),
      zoomed: () => (zoomed ? { i: zoomed.i, method: names[zoomed.j] } : null) };
  })();

  const view = { ...meta.view };
  if (view.centered === undefined) view.centered = view.colormap === "auto" ? null : cmaps[view.colormap].kind === "diverging";
  set(view);
  ui.applyOrder(false);
  window.visheat = Object.freeze({
    set, get: () => ({ ...state, clip: state.clip && [...state.clip] }), pipeline: (method) => pipeline(methodIndex(method)),
    pixels: (i, method) => Array.from(render(methodIndex(method), sampleIndex(i)).data),
    valueAt, percentileRank: (i, method, v) => percentileRank(methodIndex(method), sampleIndex(i), v),
    methods: names.slice(), n: N, size: [H, W], order: ui.order, focus: ui.focus, zoomed: ui.zoomed,
    timing: ui.timing, pending: ui.pending, version: meta.version,
  });
  // in a notebook the page is an iframe: tell the host it is ready (nothing else is sent)
  if (window.parent !== window) window.parent.postMessage({ visheat: "ready", n: N, methods: M }, "*");
})();
