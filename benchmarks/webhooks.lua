-- The load of benchmarks/webhooks.py, for wrk: one connection per wrk thread (`-t C -c C`).
-- Thread k sends the signed deliveries in the file `<first argument>k.tsv` (a line each:
-- delivery id, TAB, signature, TAB, body), each once, waiting for each answer before the next.
-- Then it stops and writes "finished" to stderr; wrk itself runs until its duration ends or it
-- gets SIGINT, which the benchmark sends once every thread has finished. done() prints one
-- JSON line: the latency percentiles wrk measured, the run's duration and how many answers had
-- each status.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  deliveries, answered, statuses = {}, 0, {}
  for line in io.lines(args[1] .. number .. ".tsv") do
    local id, signature, body = line:match("^([^\t]+)\t([^\t]+)\t(.+)$")
    table.insert(deliveries, wrk.format("POST", "/api/github/webhooks", {
      ["X-GitHub-Event"] = "issues", ["X-GitHub-Delivery"] = id,
      ["X-Hub-Signature-256"] = "sha256=" .. signature,
      ["Content-Type"] = "application/json", ["User-Agent"] = "GitHub-Hookshot/bench"}, body))
  end
end

function request()
  return deliveries[answered + 1] or wrk.format("GET", "/healthz")
end

function response(status)
  answered = answered + 1
  statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  if answered == #deliveries then
    io.stderr:write("finished\n")
    wrk.thread:stop()
  end
end

function done(summary, latency)
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  local parts = {}
  for status, count in pairs(totals) do
    table.insert(parts, string.format('"%s": %d', status, count))
  end
  io.write(string.format(
    '{"p50_us": %d, "p99_us": %d, "duration_us": %d, "answers": %d, "statuses": {%s}}\n',
    latency:percentile(50), latency:percentile(99), summary.duration, summary.requests,
    table.concat(parts, ", ")))
end
