-- wrk -s bench/edge/report.lua: prints one machine-readable line after a run, with
-- exact figures (latency in microseconds) and every kind of error, so a peer that
-- answers 404s or drops connections cannot look fast.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d max_us=%d "
      .. "err_status=%d err_connect=%d err_read=%d err_write=%d err_timeout=%d\n",
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
