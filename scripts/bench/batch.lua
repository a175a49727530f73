-- POST batches of 100 events: 50 items (from batch-items.lua) each issued to a unit and returned in the same
-- batch, so every batch is valid whatever the order the batches commit in.
local items = dofile(os.getenv("BENCH_DIR") .. "/batch-items.lua")
local token = os.getenv("BENCH_TOKEN")
local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
local counter = 0

function setup(thread)
  thread_counter = (thread_counter or 0) + 1
  thread:set("id", thread_counter)
end

function init(args)
  math.randomseed(os.time() + (tonumber(wrk.thread:get("id")) or 0) * 104729)
end

local function event(kind, item, from, to)
  return string.format(
    '{"kind":"%s","occurredAt":"2026-06-01T08:00:00Z","from":"%s","to":"%s","items":[{"serial":"%s","manufacturer":"%s","model":"%s"}],"document":"BENCH"}',
    kind, from, to, item.serial, item.manufacturer, item.model)
end

function request()
  local parts = {}
  local start = math.random(#items)
  for k = 0, 49 do
    local item = items[((start + k) % #items) + 1]
    parts[#parts + 1] = event("issue", item, item.holder, item.unit)
    parts[#parts + 1] = event("return", item, item.unit, item.holder)
  end
  return wrk.format("POST", "/api/v1/events", headers, "[" .. table.concat(parts, ",") .. "]")
end

-- The first refused request of each thread, to see why.
local reported = false
function response(status, headers, body)
  if status >= 300 and not reported then
    reported = true
    io.stderr:write("batch: " .. status .. " " .. body .. "\n")
  end
end
