-- POST batches of 100 events: 50 items (from batch-items.lua) each issued to a unit and returned in the same
-- batch, so every batch is valid whatever the order the batches commit in.
local common = dofile("scripts/bench/common.lua")
local items = dofile(os.getenv("BENCH_DIR") .. "/batch-items.lua")
local token = os.getenv("BENCH_TOKEN")
local headers = { ["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json" }
local counter = 0

function init(args)
  math.randomseed(os.time() + (tonumber(wrk.thread:get("id")) or 0) * 104729)
end

function request()
  local parts = {}
  local start = math.random(#items)
  for k = 0, 49 do
    local item = items[((start + k) % #items) + 1]
    parts[#parts + 1] = common.event("issue", item, item.holder, item.unit)
    parts[#parts + 1] = common.event("return", item, item.unit, item.holder)
  end
  return wrk.format("POST", "/api/v1/events", headers, "[" .. table.concat(parts, ",") .. "]")
end

response = common.reporter("batch")
