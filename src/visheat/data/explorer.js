// visheat explorer: draws visheat's 8-bit pictures from raw values, in an offline page or in
// a notebook widget. Arithmetic follows visheat's 8-bit path (Math.fround for float32); the
// colour tables and resize weights come from visheat (see visheat/explorer/page.py).
// Magnitudes: a sample travels as float16 values v and an exponent k (the value is
// v * 2**-k). The reductions, the resize and the quantiles work on v in float32, where
// nothing under- or overflows, and are exact images of the same steps on the values
// (scaling by a power of two commutes with them); only ranges and positions on the
// colour table are computed on the values themselves, as plain numbers (float64).
// Data come from a source: the page's own data blocks (pageSource), or the Python kernel
// over the widget's messages (kernelSource), which answers rows, orders and batch ranges.
const visheatExplorer = (() => {
  "use strict";  // ASCII only (\u escapes): the CSP hash holds whatever encoding a host page uses
  const f32 = Math.fround;

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
  function float16(bytes) {  // little-endian float16 bytes as a Float32Array
    const count = bytes.length >> 1, own = bytes.byteOffset % 2 ? bytes.slice() : bytes;
    if (typeof Float16Array === "function") return new Float32Array(new Float16Array(own.buffer, own.byteOffset, count));
    const half = new Uint16Array(own.buffer, own.byteOffset, count), out = new Float32Array(count);
    for (let p = 0; p < count; p++) out[p] = F16[half[p]];
    return out;
  }
  class NotYet extends Error {}  // data still on their way: drawn when they arrive
  const F32_MAX = 3.4028234663852886e38;
  function pow2(e) { return [2 ** Math.trunc(e / 2), 2 ** (e - Math.trunc(e / 2))]; }  // 2**e in two exact factors
  function unscale(v, k) { const [a, b] = pow2(-k); return v * a * b; }  // v * 2**-k, for any k
  function saturate32(x) { const y = f32(x); return Number.isFinite(y) ? y : Math.sign(x) * F32_MAX; }

  // ---- sources: where the values, images, labels and scores come from ----------------
  function pageSource(meta) {  // the page's data blocks, which follow the script
    function block(id) {  // a data block's text, once the parser has read all of it
      const el = document.getElementById(id);
      if (!el || (el.nextSibling === null && document.readyState === "loading")) {
        throw new NotYet(`${id} is still loading; wait for the page's load event`);
      }
      return el.textContent;
    }
    const imageCache = new Map();
    function image(i) {
      if (!imageCache.has(i)) {
        const bytes = b64(block(`vh-i${i}`));
        if (imageCache.size > 64) imageCache.delete(imageCache.keys().next().value);
        imageCache.set(i, bytes);
      }
      return imageCache.get(i);
    }
    return { lazy: false, values: (j, i) => float16(b64(block(`vh-m${j}-${i}`))), image,
      exp: (j, i) => meta.methods[j].exps[i], label: (i) => meta.labels[i], score: (i) => meta.scores[i] };
  }

  // The kernel's rows, by sample index, in a bounded cache; requests by position in the
  // kernel's current order (sorting and filtering run there) or by sample index.
  function kernelSource(model, meta, report) {
    const M = meta.methods.length;
    let nextId = 1, orderVersion = 0, count = meta.n;
    const waiting = new Map(), rows = new Map(), failed = new Map(), inflight = new Map();
    let positions = new Map();
    const rowBytes = meta.methods.reduce((s, m) => s + 4 * m.channels * m.mh * m.mw, 3 * meta.height * meta.width);
    const capacity = Math.max(32, Math.floor(meta.cacheBytes / rowBytes));
    const view = (b) => (b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
    model.on("msg:custom", (msg, buffers) => {
      const w = msg && waiting.get(msg.id);
      if (!w) return;
      waiting.delete(msg.id);
      if (msg.error) { report(msg.error); w.reject(new Error(msg.error)); } else w.resolve([msg, (buffers || []).map(view)]);
    });
    function call(content) {
      return new Promise((resolve, reject) => {
        const id = nextId++;
        waiting.set(id, { resolve, reject });
        model.send({ ...content, id });
      });
    }
    async function inflate(bytes) {  // zlib-compressed RGB, exactly as sent
      const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
      return new Uint8Array(await new Response(stream).arrayBuffer());
    }
    async function store(msg, buffers, version) {
      for (const r of msg.rows) {
        const image = r.image === null ? null : await inflate(buffers[r.image]);
        rows.delete(r.index);
        rows.set(r.index, { values: r.values.map((b) => float16(buffers[b])), exps: r.exps, image,
          label: r.label, score: r.score });
        failed.delete(r.index);
        if (version === orderVersion && r.position !== null) positions.set(r.position, r.index);
      }
      while (rows.size > capacity) rows.delete(rows.keys().next().value);
    }
    function load(kind, list) {  // kind: "indices" or "positions"; resolves once all are stored
      const version = orderVersion, key = (x) => `${kind}|${version}|${x}`;
      const known = (x) => (kind === "indices" ? rows.has(x) : positions.has(x) && rows.has(positions.get(x)));
      const todo = list.filter((x) => !known(x) && !inflight.has(key(x)));
      if (todo.length) {
        const done = call({ op: "rows", [kind]: todo }).then(([msg, buffers]) => store(msg, buffers, version));
        done.catch((e) => { if (kind === "indices") todo.forEach((x) => failed.set(x, e.message)); })
          .finally(() => todo.forEach((x) => inflight.delete(key(x))));
        todo.forEach((x) => inflight.set(key(x), done));
      }
      return Promise.all(list.map((x) => inflight.get(key(x))).filter(Boolean));
    }
    function row(i) {
      const r = rows.get(i);
      if (r) return r;
      if (failed.has(i)) throw new Error(failed.get(i));
      load("indices", [i]).catch(() => {});
      throw new NotYet(`sample ${i} is on its way from the kernel`);
    }
    return {
      lazy: true, M, call, row,
      values: (j, i) => row(i).values[j], image: (i) => row(i).image, exp: (j, i) => row(i).exps[j],
      label: (i) => row(i).label, score: (i) => row(i).score,
      has: (i) => rows.has(i), failed: (i) => failed.get(i),
      ensure: (indices) => load("indices", indices), ensureAt: (list) => load("positions", list),
      indexAt: (p) => positions.get(p), count: () => count,
      async order(spec) {
        const [msg] = await call({ op: "order", ...spec });
        orderVersion++; positions = new Map(); count = msg.count;
        return count;
      },
      async locate(i) {
        const [msg] = await call({ op: "locate", index: i });
        if (msg.position >= 0) positions.set(msg.position, i);
        return msg.position;
      },
      async indices() { return (await call({ op: "order_list" }))[0].indices; },
      async batch(j, view) { return (await call({ op: "batch", method: j, view }))[0].range; },
    };
  }

  // ---- one explorer: its arithmetic, its view and its page ---------------------------------
  function explorer(root, meta, source, host = {}) {
    const N = meta.n, H = meta.height, W = meta.width, M = meta.methods.length;
    const names = meta.methods.map((m) => m.name);
    const cmaps = Object.fromEntries(meta.colormaps.map((c) => [c.name, c]));
    const lazy = source.lazy;
    for (const c of meta.colormaps) c.table = c.table || b64(c.lut);
    // a float32 method's values are float32: its float16 largest value may round up to 2**128
    const precision = (j) => (meta.methods[j].dtype === "float32" ? saturate32 : (x) => x);

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
      let map = reduce(source.values(j, i), md.channels, md.mh * md.mw, state.reduction);
      if (md.resize) map = resize(map, md.mh, md.mw, md.resize);
      found = { map, k: source.exp(j, i), sorted: null };  // the map is the reduced values times 2**k
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
    const requested = new Map();  // the kernel's batch ranges on their way, by key
    function batchStep(j, budget) {  // extend method j's batch range for up to budget ms; done?
      const key = batchKey(j);
      if (batch.has(key)) return true;
      if (lazy) {  // one scale across the batch is computed in the kernel, over every sample
        if (!requested.has(key)) {
          const { colormap, centered } = colour(j), view = { ...state, colormap, centered };
          const done = source.batch(j, view).then((r) => { batch.set(key, r); }, (e) => { requested.set(key, e); });
          requested.set(key, done);
        }
        const asked = requested.get(key);
        if (asked instanceof Error) { requested.delete(key); throw asked; }
        return false;
      }
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
        if (!batchStep(j, Infinity)) throw new NotYet("one scale across the batch: computing in the kernel");
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
      const img = meta.images ? source.image(i) : null, w = Math.round(state.alpha * 65536), wb = 65536 - w;
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
      if (host.viewChanged) host.viewChanged({ ...state, clip: state.clip && [...state.clip] });
      version++;
      ui.refresh();
      return { ...state };
    }

    // ---- the page ------------------------------------------------------------------------
    // The offline page holds a row per sample (its size limit bounds them); the widget
    // draws only the rows in its window (fixed row height, positions in the kernel's order).
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
      const banner = el("div", { className: "error hidden", role: "alert" });
      const grid = el("div", { id: "grid" });
      const thumb = Math.min(224, Math.max(96, Math.round(900 / M)));
      grid.style.setProperty("--cols", M);
      grid.style.setProperty("--thumb", `${thumb}px`);
      const header = el("div", { className: "header" }, [el("div", { textContent: "sample" }),
        ...names.map((n) => el("div", { textContent: n, title: n }))]);
      grid.append(header);
      function makeRow(i) {
        const caption = el("div", { className: "caption" });
        const cells = names.map((_, j) => el("div", { className: "cell" }, [el("canvas", { width: W, height: H })]));
        cells.forEach((c, j) => { c.dataset.j = j; });
        const row = el("div", { className: "row" }, [caption, ...cells]);
        Object.assign(row, { caption, canvases: cells.map((c) => c.firstChild), drawn: new Array(M).fill(-1) });
        if (i !== undefined) fillRow(row, i);
        return row;
      }
      function fillRow(row, i) {  // row shows sample i: its caption, its canvases to draw
        if (row.index === i) return;
        row.index = i; row.dataset.i = i;
        row.canvases.forEach((c) => { c.parentNode.dataset.i = i; c.getContext("2d").clearRect(0, 0, W, H); });
        row.drawn.fill(-1);
        row.caption.replaceChildren(el("div", { textContent: `#${i}` }));
        const text = meta.labels ? source.label(i) : null, score = meta.scores ? source.score(i) : null;
        if (meta.labels) row.caption.append(el("div", { className: "label", textContent: text }));
        if (meta.scores) row.caption.append(el("div", { className: "score", textContent: `score ${num(score, 4)}`, title: String(score) }));
      }
      const byIndex = new Map();  // sample index -> its row element, for the rows that exist
      const visible = new Set(), queue = new Set();
      const timing = { firstPicture: null };
      let pumping = false, focus = { pos: 0, j: 0 }, zoomed = null;

      // -- the offline page: every row, ordered in the page ----------------------------
      let order = lazy ? null : [...Array(N).keys()];
      // -- the widget: a window of rows over positions 0..count-1 of the kernel's order --
      const rowH = Math.max(Math.round(thumb * H / W), 64) + 6;
      const live = new Map();  // position -> row element
      let count = N, body = null;
      if (lazy) {
        body = el("div", { className: "rows" });
        grid.classList.add("scroller");
        grid.append(body);
        grid.tabIndex = 0;
      } else {
        for (let i = 0; i < N; i++) { const row = makeRow(i); byIndex.set(i, row); grid.append(row); }
      }
      const zoomCanvas = el("canvas", { className: "big", width: W, height: H });
      const ramp = el("canvas", { width: 256, height: 1 }), lowText = el("span"), highText = el("span");
      const zoomTitle = el("h2"), zoomPipe = el("code");
      const zoom = el("div", { id: "zoom", className: "hidden" }, [el("div", { className: "panel" },
        [zoomTitle, zoomCanvas, el("div", { className: "bar" }, [lowText, ramp, highText]), zoomPipe])]);
      root.append(bar, status, banner, grid, zoom);

      function showError(message) {
        banner.textContent = `visheat: ${message}`;
        banner.classList.remove("hidden");
      }
      function draw(i) {
        const row = byIndex.get(i);
        if (!row) return;
        for (let j = 0; j < M; j++) {
          if (row.drawn[j] === version) continue;
          row.canvases[j].getContext("2d").putImageData(render(j, i), 0, 0);
          row.drawn[j] = version;
        }
        if (timing.firstPicture === null) timing.firstPicture = performance.now();
      }
      function pump() {
        const start = performance.now();
        let loading = false;
        try {
          const todo = !lazy && state.scope === "batch" && batchProgress();
          if (todo) {  // read every sample once, a slice per tick: the page stays responsive
            batchStep(todo[0], 30);
            const next = batchProgress();
            progress.textContent = next ? `one scale across the batch: ${names[next[0]]} ${Math.round(100 * next[1])} %` : "";
            setTimeout(pump, 0);
            return;
          }
          if (lazy && state.scope === "batch") {  // every method's range at once, in the kernel
            for (let j = 0; j < M; j++) try { batchStep(j, 0); } catch (e) { showError(e.message); }
          }
          progress.textContent = lazy && state.scope === "batch" && batchProgress() ? "one scale across the batch: computing in the kernel\u2026" : "";
          for (const i of queue) {
            try {
              if (visible.has(i)) draw(i);
              queue.delete(i);
            } catch (e) {
              if (!(e instanceof NotYet) && !lazy) throw e;
              if (!(e instanceof NotYet)) { queue.delete(i); showError(e.message); continue; }
              loading = true;  // its data are still on their way: try again shortly
              if (!lazy) break;
            }
            if (performance.now() - start > 30) break;
          }
        } catch (e) {
          if (!(e instanceof NotYet)) throw e;
          loading = true;
        }
        pumping = queue.size > 0 || loading;
        if (pumping) setTimeout(pump, loading ? 30 : 0);
      }
      function enqueue(i) { queue.add(i); if (!pumping) { pumping = true; setTimeout(pump, 0); } }
      if (!lazy) {
        const observer = new IntersectionObserver((entries) => {
          for (const e of entries) {
            const i = +e.target.dataset.i;
            if (e.isIntersecting) { visible.add(i); enqueue(i); } else visible.delete(i);
          }
        }, { rootMargin: "300px 0px" });
        byIndex.forEach((r) => observer.observe(r));
      }

      let layoutQueued = false;
      function layout() {  // the widget's window: the rows in view and two more either side
        layoutQueued = false;
        body.style.height = `${count * rowH}px`;
        const top = Math.max(0, grid.scrollTop - header.offsetHeight), height = grid.clientHeight || 640;
        const first = Math.max(0, Math.floor(top / rowH) - 2), last = Math.min(count, Math.ceil((top + height) / rowH) + 2);
        for (const [p, row] of live) {
          if (p >= first && p < last) continue;
          row.remove(); live.delete(p);
          if (byIndex.get(row.index) === row) { byIndex.delete(row.index); visible.delete(row.index); }
        }
        const missing = [];
        for (let p = first; p < last; p++) {
          let row = live.get(p);
          if (!row) {
            row = makeRow();
            Object.assign(row.style, { top: `${p * rowH}px`, height: `${rowH - 6}px` });
            row.pos = p; live.set(p, row); body.append(row);
          }
          const i = source.indexAt(p);
          if (i === undefined || !source.has(i)) { missing.push(p); continue; }
          fillRow(row, i);
          row.canvases.forEach((c) => c.parentNode.classList.toggle("focus", p === focus.pos && +c.parentNode.dataset.j === focus.j));
          byIndex.set(i, row); visible.add(i); enqueue(i);
        }
        if (missing.length) source.ensureAt(missing).then(relayout, (e) => showError(e.message));
      }
      function relayout() { if (!layoutQueued) { layoutQueued = true; requestAnimationFrame(layout); } }
      if (lazy) grid.addEventListener("scroll", relayout);

      async function applyOrder(reveal = true) {
        const text = filter.value.trim().toLowerCase(), low = parseFloat(minScore.value), key = sort.value;
        if (lazy) {  // the kernel sorts and filters, and answers the count
          count = await source.order({ sort: key, filter: text, min_score: Number.isNaN(low) ? null : low });
          for (const row of live.values()) row.remove();
          live.clear(); byIndex.clear(); visible.clear();
          focus.pos = Math.min(focus.pos, Math.max(count - 1, 0));
          layout();
          showFocus(reveal);
          return;
        }
        order = [...Array(N).keys()].filter((i) => (!text || (meta.labels && meta.labels[i].toLowerCase().includes(text)))
          && (!meta.scores || Number.isNaN(low) || meta.scores[i] >= low));
        if (key === "label" && meta.labels) order.sort((a, b) => meta.labels[a].localeCompare(meta.labels[b]) || a - b);
        if (key.startsWith("score") && meta.scores) order.sort((a, b) => (key === "score-asc" ? 1 : -1) * (meta.scores[a] - meta.scores[b]) || a - b);
        const shown = new Set(order);
        byIndex.forEach((r, i) => r.classList.toggle("hidden", !shown.has(i)));
        grid.append(...order.map((i) => byIndex.get(i)));
        focus.pos = Math.min(focus.pos, Math.max(order.length - 1, 0));
        showFocus(reveal);
      }
      const reorder = () => applyOrder().catch((e) => showError(e.message));
      [sort, filter, minScore].forEach((c) => c.addEventListener("input", reorder));
      const indexAt = (pos) => (lazy ? source.indexAt(pos) : order[pos]);
      // reveal: scroll the focused picture into view, after a person moved the focus; never on
      // start-up, where scrollIntoView would also scroll a notebook around this page to it
      function showFocus(reveal = true) {
        root.querySelectorAll(".cell.focus").forEach((c) => c.classList.remove("focus"));
        pipeText.textContent = pipeline(focus.j);
        if (lazy) {
          const row = live.get(focus.pos);
          if (row && row.index !== undefined) row.canvases[focus.j].parentNode.classList.add("focus");
          if (!reveal) return;
          const top = focus.pos * rowH, view = grid.clientHeight - header.offsetHeight;
          if (top < grid.scrollTop) grid.scrollTop = top;
          else if (top + rowH > grid.scrollTop + view) grid.scrollTop = top + rowH - view;
          relayout();
          return;
        }
        const i = order[focus.pos];
        if (i === undefined) return;
        const cell = byIndex.get(i).canvases[focus.j].parentNode;
        cell.classList.add("focus");
        if (reveal) cell.scrollIntoView({ block: "nearest" });
      }
      function openZoom(i, j) {
        zoomed = { i, j };
        zoom.classList.remove("hidden");
        drawZoom();
      }
      function drawZoom() {
        if (!zoomed) return;
        const { i, j } = zoomed;
        try {
          zoomCanvas.getContext("2d").putImageData(render(j, i), 0, 0);
        } catch (e) {
          if (!(e instanceof NotYet)) throw e;
          setTimeout(drawZoom, 30);
          return;
        }
        zoomTitle.textContent = `#${i}${meta.labels ? " " + source.label(i) : ""} \u00b7 ${names[j]}`;
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
        if (x < 0 || y < 0 || (lazy && !source.has(i))) return;
        const v = valueAt(i, j, x, y);
        readout.textContent = `#${i} ${names[j]} (${x}, ${y}): value ${num(v, 5)}, percentile rank ${percentileRank(j, i, v).toFixed(1)}%`;
      }
      grid.addEventListener("mousemove", (e) => {
        if (e.target.tagName !== "CANVAS" || e.target.parentNode.dataset.i === undefined) return;
        const cell = e.target.parentNode;
        hover(e, +cell.dataset.i, +cell.dataset.j);
      });
      zoomCanvas.addEventListener("mousemove", (e) => zoomed && hover(e, zoomed.i, zoomed.j));
      grid.addEventListener("click", (e) => {
        if (e.target.tagName !== "CANVAS" || e.target.parentNode.dataset.i === undefined) return;
        const cell = e.target.parentNode, i = +cell.dataset.i, j = +cell.dataset.j;
        focus = { pos: lazy ? cell.parentNode.pos : Math.max(0, order.indexOf(i)), j };
        showFocus();
        openZoom(i, j);
      });
      (lazy ? root : document).addEventListener("keydown", (e) => {
        if (e.key === "Escape") { closeZoom(); return; }
        if (["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName)) return;
        const moves = { ArrowDown: [1, 0], ArrowUp: [-1, 0], ArrowRight: [0, 1], ArrowLeft: [0, -1], j: [1, 0], k: [-1, 0] };
        const shown = lazy ? count : order.length;
        if (e.key in moves && shown) {
          const [dp, dj] = moves[e.key];
          focus.pos = Math.min(shown - 1, Math.max(0, focus.pos + dp));
          focus.j = Math.min(M - 1, Math.max(0, focus.j + dj));
          showFocus();
          if (zoomed && indexAt(focus.pos) !== undefined) openZoom(indexAt(focus.pos), focus.j);
          e.preventDefault();
          if (lazy) e.stopPropagation();  // a notebook's own shortcuts stay out of it
        } else if ((e.key === "Enter" || e.key === " ") && shown && indexAt(focus.pos) !== undefined) {
          openZoom(indexAt(focus.pos), focus.j);
          e.preventDefault();
          if (lazy) e.stopPropagation();
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
      function drawnNow(i) { const row = byIndex.get(i); return row && row.index === i && row.drawn.every((v) => v === version); }
      async function reveal(i) {  // scroll sample i's row into view; resolves once it is drawn
        sampleIndex(i);
        const pos = lazy ? await source.locate(i) : order.indexOf(i);
        if (pos < 0) throw new RangeError(`reveal: sample ${i} is not among the rows shown (sorted and filtered)`);
        focus.pos = pos;
        if (lazy) {
          grid.scrollTop = pos * rowH;
          layout();  // asks for the window's rows, this one among them
          await source.ensure([i]);
          layout();
        } else byIndex.get(i).scrollIntoView({ block: "nearest" });
        showFocus(false);
        return new Promise((done, fail) => {
          const wait = () => {
            if (drawnNow(i)) done(true);
            else if (lazy && source.failed(i)) fail(new Error(source.failed(i)));
            else { if (!lazy && !visible.has(i)) { visible.add(i); } enqueue(i); setTimeout(wait, 10); }
          };
          wait();
        });
      }
      const pending = () => queue.size + (state.scope === "batch" && batchProgress() ? 1 : 0)
        + (lazy ? [...live.values()].filter((r) => r.index === undefined).length : 0);
      return { refresh, applyOrder, timing, pending, reveal, showError, layout: () => lazy && layout(),
        order: () => (lazy ? source.indices() : order.slice()),
        focus: () => ({ i: indexAt(focus.pos), method: names[focus.j] }),
        zoomed: () => (zoomed ? { i: zoomed.i, method: names[zoomed.j] } : null) };
    })();

    const view = { ...meta.view };
    if (view.centered === undefined) view.centered = view.colormap === "auto" ? null : cmaps[view.colormap].kind === "diverging";
    set(view);
    if (lazy) ui.layout(); else ui.applyOrder(false);  // the kernel's first order: every sample
    const get = () => ({ ...state, clip: state.clip && [...state.clip] });
    if (!lazy) {
      return Object.freeze({
        set, get, pipeline: (method) => pipeline(methodIndex(method)),
        pixels: (i, method) => Array.from(render(methodIndex(method), sampleIndex(i)).data),
        valueAt, percentileRank: (i, method, v) => percentileRank(methodIndex(method), sampleIndex(i), v),
        reveal: ui.reveal, methods: names.slice(), n: N, size: [H, W], order: ui.order, focus: ui.focus,
        zoomed: ui.zoomed, timing: ui.timing, pending: ui.pending, version: meta.version,
      });
    }
    async function ready(i, j) {  // sample i's data and, for one scale, method j's batch range
      await source.ensure([sampleIndex(i)]);
      if (state.scope === "batch") while (!batchStep(j, Infinity)) await new Promise((r) => setTimeout(r, 20));
    }
    return Object.freeze({
      set, get, pipeline: (method) => pipeline(methodIndex(method)),
      async pixels(i, method) { const j = methodIndex(method); await ready(i, j); return Array.from(render(j, i).data); },
      async valueAt(i, method, x, y) { await ready(i, methodIndex(method)); return valueAt(i, method, x, y); },
      async percentileRank(i, method, v) { const j = methodIndex(method); await ready(i, j); return percentileRank(j, i, v); },
      reveal: ui.reveal, methods: names.slice(), n: N, size: [H, W], order: ui.order, focus: ui.focus,
      zoomed: ui.zoomed, timing: ui.timing, pending: ui.pending, version: meta.version, showError: ui.showError,
    });
  }

  // ---- scripting: window.visheat (the last explorer shown) and window.visheatExplorers ------
  function register(api) {
    const all = window.visheatExplorers || (window.visheatExplorers = []);
    all.push(api);
    window.visheat = api;
    return () => {
      const k = all.indexOf(api);
      if (k >= 0) all.splice(k, 1);
      if (window.visheat === api) { if (all.length) window.visheat = all[all.length - 1]; else delete window.visheat; }
    };
  }

  // ---- the widget (anywidget): the kernel keeps the data ------------------------------
  function render({ model, el }) {
    const meta = model.get("meta"), root = document.createElement("div");
    root.className = "visheat-explorer";
    el.append(root);
    let api = null, echo = null;
    const report = (message) => api && api.showError(message);
    const host = { viewChanged(view) {
      const text = JSON.stringify(view);
      if (text === echo) return;
      echo = text;
      model.set("view", view);
      model.save_changes();
    } };
    api = explorer(root, { ...meta, view: model.get("view") }, kernelSource(model, meta, report), host);
    const onView = () => { const v = model.get("view"); if (JSON.stringify(v) !== echo) { echo = JSON.stringify(v); api.set(v); } };
    model.on("change:view", onView);
    const unregister = register(api);
    return () => { model.off("change:view", onView); unregister(); root.remove(); };
  }

  // the offline page: its metadata and data blocks are in the document
  const pageMeta = typeof document !== "undefined" && document.getElementById("visheat-meta");
  if (pageMeta) {
    const meta = JSON.parse(pageMeta.textContent);
    const api = explorer(document.body, meta, pageSource(meta));
    register(api);
    // in a notebook the page is an iframe: tell the host it is ready (nothing else is sent)
    if (window.parent !== window) window.parent.postMessage({ visheat: "ready", n: meta.n, methods: meta.methods.length }, "*");
  }
  return { explorer, pageSource, kernelSource, register, render };
})();
