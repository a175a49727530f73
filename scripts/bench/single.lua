-- POST single events: each thread rotates through its own slice of items (single-items.lua),
-- issuing each item from its depot to a unit, and on the next pass returning it; the
-- slices are large enough that an item's return is sent long after its issue committed.
local items = dofile(os.getenv("BENCH_DIR") .. "/single-items.lua")
local token = os.getenv("BENCH_TOKEN")
local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
local threads = tonumber(os.getenv("BENCH_THREADS"))
local slice = {}
local counter = 0

function setup(thread)
  thread_counter = (thread_counter or 0) + 1
  thread:set("id", thread_counter)
end

function init(args)
  local id = tonumber(wrk.thread:get("id"))
  for i = id, #items, threads do slice[#slice + 1] = items[i] end
end

local function event(kind, item, from, to)
  return string.format(
    '{"kind":"%s","occurredAt":"2026-06-01T08:00:00Z","from":"%s","to":"%s","items":[{"serial":"%s","manufacturer":"%s","model":"%s"}],"document":"BENCH"}',
    kind, from, to, item.serial, item.manufacturer, item.model)
end

function request()
  local n = #slice
  local item = slice[(counter % n) + 1]
  local pass = math.floor(counter / n)
  counter = counter + 1
  local body
  if pass % 2 == 0 then
    body = event("issue", item, item.holder, item.unit)
  else
    body = event("return", item, item.unit, item.holder)
  end
  return wrk.format("POST", "/api/v1/events", headers, body)
end

-- The first refused request of each thread, to see why.
local reported = false
function response(status, headers, body)
  if status >= 300 and not reported then
    reported = true
    io.stderr:write("single: " .. status .. " " .. body .. "\n")
  end
end
