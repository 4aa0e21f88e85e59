-- wrk script: cycle through a file of request paths (each with its own API key in the query string),
-- optionally with a JSON body, and count 2xx / other responses for the driver's data checks.
--
--   wrk -s bench/lua/requests.lua URL -- PATHS_FILE [METHOD] [JSON_BODY]
--
-- Every thread pre-formats all requests in init() so request() costs one table lookup, and starts at
-- a different offset so threads do not hit the same keys in lock step.

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

local requests = {}
local n = 0
local i = 0
ok = 0
bad = 0
bad429 = 0
bad4xx = 0
bad5xx = 0

function init(args)
   local file, method, body = args[1], args[2] or "GET", args[3]
   if body == "" then body = nil end
   local headers = {}
   if body then headers["Content-Type"] = "application/json" end
   for line in io.lines(file) do
      if line ~= "" then
         n = n + 1
         requests[n] = wrk.format(method, line, headers, body)
      end
   end
   if n == 0 then error("no requests in " .. file) end
   i = ((id or 1) - 1) * 7919 % n
end

function request()
   i = i % n + 1
   return requests[i]
end

function response(status, headers, body)
   if status >= 200 and status < 300 then
      ok = ok + 1
   else
      bad = bad + 1
      if status == 429 then bad429 = bad429 + 1
      elseif status >= 500 then bad5xx = bad5xx + 1
      else bad4xx = bad4xx + 1 end
   end
end

function done(summary, latency, requests)
   local o, b, r, c, s = 0, 0, 0, 0, 0
   for _, thread in ipairs(threads) do
      o = o + thread:get("ok")
      b = b + thread:get("bad")
      r = r + thread:get("bad429")
      c = c + thread:get("bad4xx")
      s = s + thread:get("bad5xx")
   end
   io.write(string.format("BENCH ok=%d bad=%d 429=%d other4xx=%d 5xx=%d\n", o, b, r, c, s))
end
