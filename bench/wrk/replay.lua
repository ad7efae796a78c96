-- Replays pre-built requests for bench/http_bench.py, one wrk thread per script instance.
-- The request file (first argument after --) has one request per line, fields separated by tabs:
--   METHOD <tab> PATH <tab> BEARER TOKEN <tab> CONTENT TYPE <tab> BODY (one line; the last two may be empty)
-- Requests are sent in file order from a start line (second argument, default 1) and wrap around.
-- done() prints machine-readable lines: "status <code> <count>", "latency <us> <count>", "summary ...".
local requests, count, position = {}, 0, 1
statuses = {}  -- a global: done() reads it from each thread
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local path = args[1]
  for line in io.lines(path) do
    local method, url, token, ctype, body = line:match("^([^\t]*)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
    local headers = {}
    if token ~= "" then headers["Authorization"] = "Bearer " .. token end
    if body ~= "" then
      headers["Content-Type"] = ctype
    else
      body = nil
    end
    count = count + 1
    requests[count] = wrk.format(method, url, headers, body)
  end
  position = tonumber(args[2] or "1")
  statuses = {}
end

function request()
  local r = requests[position]
  position = position + 1
  if position > count then position = 1 end
  return r
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests_stats)
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses")
    for code, n in pairs(counted or {}) do
      io.write(string.format("status %d %d\n", code, n))
    end
  end
  for i = 1, #latency do
    local value, n = latency(i)
    io.write(string.format("latency %d %d\n", value, n))
  end
  local e = summary.errors
  io.write(string.format("summary %d %d %d %d %d %d %d\n", summary.duration, summary.requests,
    e.connect, e.read, e.write, e.status, e.timeout))
end
