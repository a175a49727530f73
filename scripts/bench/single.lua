-- POST single events: each thread rotates through its own slice of items (single-items.lua),
-- issuing each item from its depot to a unit, and on the next pass returning it; the
-- slices are large enough that an item's return is sent long after its issue committed.
local common = dofile("scripts/bench/common.lua")
local items = dofile(os.getenv("BENCH_DIR") .. "/single-items.lua")
local token = os.getenv("BENCH_TOKEN")
local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
local threads = tonumber(os.getenv("BENCH_THREADS"))
local slice = {}
local counter = 0

function init(args)
  local id = tonumber(wrk.thread:get("id"))
  for i = id, #items, threads do slice[#slice + 1] = items[i] end
end

function request()
  local n = #slice
  local item = slice[(counter % n) + 1]
  local pass = math.floor(counter / n)
  counter = counter + 1
  local body
  if pass % 2 == 0 then
    body = common.event("issue", item, item.holder, item.unit)
  else
    body = common.event("return", item, item.unit, item.holder)
  end
  return wrk.format("POST", "/api/v1/events", headers, body)
end

response = common.reporter("single")
