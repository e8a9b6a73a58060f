// Loaded into a bench or test page before any uploader: records what the page cannot ask
// an uploader for. `window.probes.wasmMemoryBytes()` is the size of the linear memory of
// every wasm instance the page made (it only grows, so it is also the peak);
// `window.probes.longestTaskMs` the longest main-thread task seen (Chromium's `longtask`);
// `window.probes.peakHeapBytes` the JS heap's peak, sampled (Chromium's `performance.memory`).
(() => {
  const memories = [];
  const keep = (result) => {
    const instance = result instanceof WebAssembly.Instance ? result : result.instance;
    for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) memories.push(value);
    return result;
  };
  const streaming = WebAssembly.instantiateStreaming;
  if (streaming) WebAssembly.instantiateStreaming = (...args) => streaming.apply(WebAssembly, args).then(keep);
  const instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = (...args) => instantiate.apply(WebAssembly, args).then(keep);

  const probes = {
    longestTaskMs: 0,
    peakHeapBytes: 0,
    wasmMemoryBytes: () => memories.reduce((sum, memory) => sum + memory.buffer.byteLength, 0),
    sampleHeap() {
      const used = performance.memory?.usedJSHeapSize ?? 0;
      if (used > probes.peakHeapBytes) probes.peakHeapBytes = used;
    },
  };
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) probes.longestTaskMs = Math.max(probes.longestTaskMs, entry.duration);
    }).observe({ type: 'longtask', buffered: true });
  } catch {
    // No longtask timing in this engine: the figure stays 0 and the bench says so.
  }
  window.probes = probes;
})();
