-- GET an item by serial, then its history, for items drawn at random from items.lua.
-- Each call of request() alternates the two requests for the same item. READS_MODE=item
-- sends only the first request and READS_MODE=history only the second, each for a new
-- random item, so that the two costs can be told apart.
local common = dofile("scripts/bench/common.lua")
local items = dofile(os.getenv("BENCH_DIR") .. "/items.lua")
local token = os.getenv("BENCH_TOKEN")
local headers = { ["Authorization"] = "Bearer " .. token }
local mode = os.getenv("READS_MODE") or "both"
local counter = 0
local current

function init(args)
  math.randomseed(os.time() + (tonumber(wrk.thread:get("id")) or 0) * 7919)
end

local function escape(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function request()
  counter = counter + 1
  local first = mode == "item" or (mode == "both" and counter % 2 == 1)
  if mode ~= "both" or first then current = items[math.random(#items)] end
  if first then
    return wrk.format("GET", "/api/v1/items?serial=" .. escape(current.serial) .. "&manufacturer=" .. escape(current.manufacturer), headers)
  end
  return wrk.format("GET", "/api/v1/items/" .. current.id .. "/history?limit=100", headers)
end

-- Named as the phase that runs it (bench-server.sh finds refusals by that name).
response = common.reporter(mode == "both" and "reads" or mode)
