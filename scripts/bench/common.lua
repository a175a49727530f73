-- What the wrk scripts share (loaded with dofile, run from the repository's root): thread
-- ids, the event body of an issue or return, and reporting the first refused request of
-- each thread.
local common = {}

-- Numbers the threads 1, 2, …; each reads its id with wrk.thread:get("id").
function setup(thread)
  thread_counter = (thread_counter or 0) + 1
  thread:set("id", thread_counter)
end

function common.event(kind, item, from, to)
  return string.format(
    '{"kind":"%s","occurredAt":"2026-06-01T08:00:00Z","from":"%s","to":"%s","items":[{"serial":"%s","manufacturer":"%s","model":"%s"}],"document":"BENCH"}',
    kind, from, to, item.serial, item.manufacturer, item.model)
end

-- A response handler that prints the first refused request of the thread, to see why.
function common.reporter(name)
  local reported = false
  return function(status, headers, body)
    if status >= 300 and not reported then
      reported = true
      io.stderr:write(name .. ": " .. status .. " " .. body .. "\n")
    end
  end
end

return common
